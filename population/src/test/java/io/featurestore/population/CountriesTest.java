package io.featurestore.population;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CountriesTest {
  @Test
  void shouldListHomeCountriesLargestMarketFirst() {
    // This order decides which user lives where for a seed: it must not change.
    assertThat(Countries.HOME).containsExactly("US", "GB", "DE", "FR", "IN", "BR", "ES", "IT", "NL", "CA", "PL", "SE");
    assertThat(Countries.ALL).containsAll(Countries.HOME).contains("PT", "TH").doesNotHaveDuplicates();
  }

  @Test
  void shouldKnowTheCurrencyOfEveryCountry() {
    for (String country : Countries.ALL) {
      assertThat(Countries.money(country)).as(country).isPresent();
    }
    assertThat(Countries.money("IN")).hasValue(new Countries.Money("INR", 83.0));
    assertThat(Countries.money("ZZ")).isEmpty();
  }
}
