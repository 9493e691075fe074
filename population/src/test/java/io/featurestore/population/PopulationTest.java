package io.featurestore.population;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PopulationTest {
  @Test
  void shouldNumberUsersLikeTheDesign() {
    assertThat(Population.userId(1)).isEqualTo("u0001");
    assertThat(Population.userId(42)).isEqualTo("u0042");
    assertThat(Population.userId(10_000)).isEqualTo("u10000");
  }

  @Test
  void shouldRecogniseOnlyItsOwnIds() {
    assertThat(Population.numberOf("u0042")).hasValue(42);
    assertThat(Population.numberOf("u10000")).hasValue(10_000);
    for (String other : new String[] {"u42", "u00042", "u0000", "x0042", "u00a1", "U0042", "", "u"}) {
      assertThat(Population.numberOf(other)).as(other).isEqualTo(OptionalLong.empty());
    }
    assertThat(Population.numberOf(null)).isEmpty();
  }

  @Test
  void shouldGiveTheSameHomeCountriesForSeed42AsEver() {
    assertThat(LongStream.of(1, 3, 7, 11, 15, 52, 1_000, 10_000).mapToObj(n -> Population.homeCountry(n, 42)))
        .containsExactly("US", "BR", "GB", "PL", "IN", "SE", "DE", "FR");
  }

  @Test
  void shouldDrawHomeCountriesInProportionToTheirShares() {
    long us = LongStream.rangeClosed(1, 20_000).filter(n -> Population.homeCountry(n, 11).equals("US")).count();
    assertThat(us / 20_000.0).isBetween(0.28, 0.32);
    assertThat(Population.homeCountry(5, 7)).isEqualTo(Population.homeCountry(5, 7));
  }
}
