package io.featurestore.population;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class MerchantsTest {
  private static final long SEED = 42;

  @Test
  void shouldNumberMerchantsLikeUsers() {
    assertThat(Merchants.merchantId(1)).isEqualTo("m0001");
    assertThat(Merchants.merchantId(42)).isEqualTo("m0042");
    assertThat(Merchants.merchantId(10_000)).isEqualTo("m10000");
    assertThat(Merchants.numberOf("m0042")).hasValue(42);
    for (String other : new String[] {"m042", "m00042", "m0000", "u0042", "M0042", "m00a1", ""}) {
      assertThat(Merchants.numberOf(other)).as(other).isEqualTo(OptionalLong.empty());
    }
    assertThat(Merchants.numberOf(null)).isEmpty();
  }

  @Test
  void shouldGiveTheSameMerchantsForSeed42AsEver() {
    // Pinned: the materializer's merchants and the simulator's busiest ones (docs name m0883).
    assertThat(Merchants.merchant(1, SEED)).isEqualTo(new Merchants.Merchant(1, "m0001", "restaurants", "low", 2201));
    assertThat(Merchants.merchant(42, SEED)).isEqualTo(new Merchants.Merchant(42, "m0042", "fuel", "low", 314));
    assertThat(Merchants.popularity(1_000, SEED).busiest(3)).containsExactly(883L, 483L, 467L);
  }

  @Test
  void shouldDrawTheSameMerchantForASeedWhateverElseIsDrawn() {
    assertThat(Merchants.merchant(42, SEED)).isEqualTo(Merchants.merchant(42, SEED));
    long differentWithOtherSeed = LongStream.rangeClosed(1, 200)
        .filter(n -> !Merchants.merchant(n, SEED).equals(Merchants.merchant(n, SEED + 1))).count();
    assertThat(differentWithOtherSeed).isGreaterThan(150);
    assertThat(Merchants.merchant(7, SEED).merchantId()).isEqualTo("m0007");
  }

  @Test
  void shouldGiveMerchantsPlausibleCategoriesRiskTiersAndAges() {
    Map<String, Integer> categories = new HashMap<>();
    Map<String, Integer> tiers = new HashMap<>();
    long[] ages = new long[20_000];
    int highRiskInRiskyCategories = 0;
    int riskyCategories = 0;
    for (int n = 1; n <= ages.length; n++) {
      Merchants.Merchant m = Merchants.merchant(n, SEED);
      assertThat(Merchants.CATEGORIES).contains(m.category());
      assertThat(Merchants.RISK_TIERS).contains(m.riskTier());
      assertThat(m.ageDays()).isBetween(1L, Merchants.MAX_AGE_DAYS);
      categories.merge(m.category(), 1, Integer::sum);
      tiers.merge(m.riskTier(), 1, Integer::sum);
      ages[n - 1] = m.ageDays();
      if (Merchants.HIGH_RISK_CATEGORIES.contains(m.category())) {
        riskyCategories++;
        highRiskInRiskyCategories += m.riskTier().equals("high") ? 1 : 0;
      }
    }
    assertThat(categories).containsOnlyKeys(Merchants.CATEGORIES);
    assertThat(categories.get("grocery")).isGreaterThan(5 * categories.get("gambling"));
    assertThat(tiers.get("low") / (double) ages.length).isBetween(0.65, 0.78);
    assertThat(tiers.get("high") / (double) ages.length).isBetween(0.05, 0.12);
    assertThat(highRiskInRiskyCategories / (double) riskyCategories).as("high risk among risky categories")
        .isGreaterThan(0.2);
    Arrays.sort(ages);
    assertThat(ages[ages.length / 2]).as("median age in days").isBetween(600L, 950L);
  }

  @Test
  void shouldRankTheSameWayForTheSameCountAndSeed() {
    Merchants.Popularity a = Merchants.popularity(1_000, SEED);
    Merchants.Popularity b = Merchants.popularity(1_000, SEED);
    assertThat(a.busiest(1_000)).isEqualTo(b.busiest(1_000));
    assertThat(Merchants.popularity(1_000, SEED + 1).busiest(10)).isNotEqualTo(a.busiest(10));
    SplittableRandom r1 = new SplittableRandom(5);
    SplittableRandom r2 = new SplittableRandom(5);
    for (int i = 0; i < 1_000; i++) {
      assertThat(a.draw(r1)).isEqualTo(b.draw(r2));
    }
  }

  @Test
  void shouldGiveTheBusiestOnePercentOfMerchantsALargeShareOfDraws() {
    int count = 1_000;
    Merchants.Popularity popularity = Merchants.popularity(count, SEED);
    long[] hits = new long[count + 1];
    SplittableRandom random = new SplittableRandom(SEED);
    int draws = 200_000;
    for (int i = 0; i < draws; i++) {
      long n = popularity.draw(random);
      assertThat(n).isBetween(1L, (long) count);
      hits[(int) n]++;
    }
    long top = popularity.busiest(count / 100).stream().mapToLong(n -> hits[n.intValue()]).sum();
    assertThat(top / (double) draws).as("share of the busiest 1 %").isBetween(0.35, 0.43);
    long busiest = popularity.busiest(1).get(0);
    assertThat(hits[(int) busiest] / (double) draws).isCloseTo(popularity.share(busiest), within(0.005));
    long[] sorted = Arrays.copyOfRange(hits, 1, count + 1);
    Arrays.sort(sorted);
    assertThat(sorted[count / 2]).as("median merchant's draws: quiet, but not silent")
        .isBetween(1L, (long) (draws * 0.001));
  }

  @Test
  void shouldSpreadTheBusyMerchantsOverTheIds() {
    List<Long> busiest = Merchants.popularity(1_000, SEED).busiest(10);
    assertThat(busiest).doesNotHaveDuplicates().isNotEqualTo(LongStream.rangeClosed(1, 10).boxed().toList());
    assertThat(busiest.stream().filter(n -> n > 500).count()).isBetween(1L, 9L);
  }

  @Test
  void shouldKeepMerchantsInTheSameOrderWhenThereAreMore() {
    List<Long> ofThousand = Merchants.popularity(1_000, SEED).busiest(1_000);
    List<Long> ofTwoThousand = Merchants.popularity(2_000, SEED).busiest(2_000).stream().filter(n -> n <= 1_000)
        .toList();
    assertThat(ofTwoThousand).isEqualTo(ofThousand);
  }

  @Test
  void shouldSumSharesToOne() {
    Merchants.Popularity popularity = Merchants.popularity(500, SEED);
    double sum = LongStream.rangeClosed(1, 500).mapToDouble(popularity::share).sum();
    assertThat(sum).isCloseTo(1.0, within(1e-9));
    assertThatThrownBy(() -> popularity.share(501)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Merchants.popularity(0, SEED)).hasMessageContaining("from 1");
    assertThat(Merchants.popularity(1, SEED).draw(new SplittableRandom(1))).isEqualTo(1);
  }
}
