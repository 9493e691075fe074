package io.featurestore.materializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class BatchFileTest {
  private static final FeatureRegistry REGISTRY = FeatureRegistry.bundled();

  @TempDir
  Path dir;

  private BatchFile file(String name, String content) throws IOException {
    Path path = dir.resolve(name);
    Files.writeString(path, content);
    return new BatchFile(path, null, REGISTRY);
  }

  private static List<EntityRow> rows(BatchFile file) {
    List<EntityRow> rows = new ArrayList<>();
    file.forEachRow(rows::add);
    return rows;
  }

  @Test
  void shouldReadAValidCsvWithQuotedValues() throws IOException {
    BatchFile csv = file("daily.csv", "user_id,country_iso,avg_amount_30d,risk_segment\n"
        + "u0001,DE,52.50,low\n"
        + "\n"
        + "u0002,\"US\",\"7\",\"high, watched\"\n");

    assertThat(csv.validate()).isEqualTo(2);
    assertThat(rows(csv)).containsExactly(
        new EntityRow("u0001", Map.of("country_iso", "DE", "avg_amount_30d", "52.5", "risk_segment", "low")),
        new EntityRow("u0002", Map.of("country_iso", "US", "avg_amount_30d", "7", "risk_segment", "high, watched")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"daily.csv", "daily.jsonl"})
  void shouldReadAFileThatStartsWithAUtf8ByteOrderMarkAsSpreadsheetsWriteIt(String name) throws IOException {
    String text = name.endsWith(".csv") ? "user_id,country_iso\nu0001,DE\n" : "{\"user_id\":\"u0001\",\"country_iso\":\"DE\"}\n";
    BatchFile file = file(name, "\uFEFF" + text);

    assertThat(file.validate()).isEqualTo(1);
    assertThat(rows(file)).containsExactly(new EntityRow("u0001", Map.of("country_iso", "DE")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"daily.csv", "daily.jsonl"})
  void shouldRejectAFileThatIsNotUtf8NamingTheFirstBadLine(String name) throws IOException {
    String good = name.endsWith(".csv") ? "user_id,country_iso\nu0001,DE\nu0002,FR\n" : "{\"user_id\":\"u0001\"}\n{\"user_id\":\"u0002\"}\n";
    Path path = dir.resolve(name);
    byte[] latin1 = "u0003,\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // é as one byte: not UTF-8
    Files.write(path, good.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Files.write(path, latin1, java.nio.file.StandardOpenOption.APPEND);

    assertThatThrownBy(new BatchFile(path, null, REGISTRY)::validate).isInstanceOf(BatchFileException.class)
        .hasMessageContaining("nothing was loaded")
        .hasMessageContaining("line " + (good.lines().count() + 1) + ": not UTF-8 text; save the file as UTF-8");
  }

  @Test
  void shouldRejectAStringValueLongerThanAFeatureHoldsNamingItsLineAndColumn() throws IOException {
    BatchFile csv = file("daily.csv", "user_id,risk_segment\nu0001,low\nu0002," + "x".repeat(70_000) + "\n");
    assertThatThrownBy(csv::validate).isInstanceOf(BatchFileException.class).hasMessageContaining("nothing was loaded")
        .hasMessageContaining("line 3, column 2 ('risk_segment'): a string of 70000 characters; a string feature holds at most 65536");
  }

  @Test
  void shouldRejectACsvValueBeyondTheParsersLimitWithoutFailingItself() throws IOException {
    BatchFile csv = file("daily.csv", "user_id,risk_segment\nu0001," + "x".repeat(20_000_001) + "\n");
    assertThatThrownBy(csv::validate).isInstanceOf(BatchFileException.class).hasMessageContaining("nothing was loaded")
        .hasMessageContaining("not valid CSV");
  }

  @Test
  void shouldRejectUnknownColumnsListingTheAllowedOnes() throws IOException {
    BatchFile csv = file("daily.csv", "entity_id,country_iso,tx_count_5m,favourite_colour\nu1,DE,1,red\n");
    assertThatThrownBy(csv::validate).isInstanceOf(BatchFileException.class)
        .hasMessageContaining("2 problems")
        .hasMessageContaining("line 1, column 3: column 'tx_count_5m' is a streaming feature of user")
        .hasMessageContaining("line 1, column 4: unknown column 'favourite_colour'")
        .hasMessageContaining("allowed for user: country_iso, risk_segment, account_age_days, tx_count_7d, avg_amount_30d, "
            + "chargeback_count_180d");
  }

  @Test
  void shouldNameLineAndColumnOfEveryBadValue() throws IOException {
    BatchFile csv = file("daily.csv", "entity_id,account_age_days,avg_amount_30d\n"
        + "u1,10,1.5\n"
        + "\n"
        + "u2,ten,1.5\n"
        + "u3,10,\n"
        + "bad id,10,1.5\n"
        + "u5,10\n");
    assertThatThrownBy(csv::validate).isInstanceOf(BatchFileException.class)
        .hasMessageContaining("4 problems")
        .hasMessageContaining("line 4, column 2 ('account_age_days'): 'ten' is not an integer")
        .hasMessageContaining("line 5, column 3 ('avg_amount_30d'): empty value")
        .hasMessageContaining("line 6: column 'entity_id': malformed user id 'bad id'")
        .hasMessageContaining("line 7: 2 values, but the header has 3 columns");
  }

  @Test
  void shouldRejectAnEntityGivenTwice() throws IOException {
    BatchFile csv = file("daily.csv", "entity_id,tx_count_7d\nu1,1\nu2,2\nu1,3\n");
    assertThatThrownBy(csv::validate).hasMessageContaining("line 4: entity id 'u1' was already given at line 2");
  }

  @Test
  void shouldRejectAFileWithoutTheIdColumn() throws IOException {
    assertThatThrownBy(file("daily.csv", "country_iso,tx_count_7d\nDE,1\n")::validate)
        .hasMessageContaining("the first column must be entity_id or user_id");
    assertThatThrownBy(file("empty.csv", "")::validate).hasMessageContaining("the file is empty");
  }

  @Test
  void shouldReadJsonLinesWithTypedValues() throws IOException {
    BatchFile jsonl = file("daily.jsonl", "{\"user_id\":\"u1\",\"tx_count_7d\":14,\"avg_amount_30d\":52.75,\"country_iso\":\"DE\"}\n"
        + "{\"entity_id\":\"u2\",\"tx_count_7d\":\"3\"}\n");
    assertThat(jsonl.validate()).isEqualTo(2);
    assertThat(rows(jsonl)).containsExactly(
        new EntityRow("u1", Map.of("tx_count_7d", "14", "avg_amount_30d", "52.75", "country_iso", "DE")),
        new EntityRow("u2", Map.of("tx_count_7d", "3")));
  }

  @Test
  void shouldReportEveryJsonLinesProblemWithItsLine() throws IOException {
    BatchFile jsonl = file("daily.jsonl", "{\"user_id\":\"u1\",\"tx_count_7d\":1.5}\n"
        + "{not json\n"
        + "{\"user_id\":\"u3\",\"colour\":\"red\"}\n"
        + "{\"user_id\":\"u4\",\"country_iso\":null}\n"
        + "[1,2]\n"
        + "{\"tx_count_7d\":1}\n");
    assertThatThrownBy(jsonl::validate).isInstanceOf(BatchFileException.class)
        .hasMessageContaining("line 1 ('tx_count_7d'): expected an integer")
        .hasMessageContaining("line 2: not valid JSON")
        .hasMessageContaining("line 3: unknown feature 'colour'")
        .hasMessageContaining("line 4: feature 'country_iso': expected a string value, got null")
        .hasMessageContaining("line 5: expected a JSON object")
        .hasMessageContaining("line 6: needs a string entity_id or user_id");
  }

  @Test
  void shouldReadAMerchantFileAgainstTheMerchantEntity() throws IOException {
    Path path = Files.writeString(dir.resolve("merchants.csv"),
        "merchant_id,merchant_category,merchant_risk_tier,merchant_age_days\nm0001,grocery,low,2201\nm0002,travel,high,12\n");
    BatchFile csv = new BatchFile(path, null, REGISTRY.forEntity("merchant"));

    assertThat(csv.validate()).isEqualTo(2);
    assertThat(rows(csv)).containsExactly(
        new EntityRow("m0001", Map.of("merchant_category", "grocery", "merchant_risk_tier", "low", "merchant_age_days", "2201")),
        new EntityRow("m0002", Map.of("merchant_category", "travel", "merchant_risk_tier", "high", "merchant_age_days", "12")));
  }

  @Test
  void shouldRejectAMerchantFileWithAStreamingFeatureAUserFeatureABadIdOrAWrongType() throws IOException {
    FeatureRegistry merchants = REGISTRY.forEntity("merchant");
    Path header = Files.writeString(dir.resolve("columns.csv"),
        "entity_id,merchant_category,merchant_tx_count_1h,risk_segment\nm0001,grocery,3,low\n");
    assertThatThrownBy(new BatchFile(header, null, merchants)::validate).isInstanceOf(BatchFileException.class)
        .hasMessageContaining("nothing was loaded: 2 problems")
        .hasMessageContaining("line 1, column 3: column 'merchant_tx_count_1h' is a streaming feature of merchant")
        .hasMessageContaining("line 1, column 4: column 'risk_segment' is a feature of entity user, not of merchant "
            + "(load it with --entity user)")
        .hasMessageContaining("allowed for merchant: merchant_category, merchant_risk_tier, merchant_age_days");

    Path values = Files.writeString(dir.resolve("values.csv"),
        "merchant_id,merchant_category,merchant_age_days\nm0001,grocery,10\nm 2,grocery,10\nm0003,grocery,old\n");
    assertThatThrownBy(new BatchFile(values, null, merchants)::validate)
        .hasMessageContaining("2 problems")
        .hasMessageContaining("line 3: column 'merchant_id': malformed merchant id 'm 2'")
        .hasMessageContaining("line 4, column 3 ('merchant_age_days'): 'old' is not an integer");

    Path users = Files.writeString(dir.resolve("users.csv"), "user_id,country_iso\nu0001,DE\n");
    assertThatThrownBy(new BatchFile(users, null, merchants)::validate)
        .hasMessageContaining("line 1, column 1: the first column must be entity_id or merchant_id, not 'user_id' "
            + "(a file of user rows? load it with --entity user)");

    Path jsonl = Files.writeString(dir.resolve("merchants.jsonl"),
        "{\"merchant_id\":\"m0001\",\"merchant_tx_count_1h\":5}\n{\"merchant_id\":\"m0002\",\"merchant_age_days\":\"x\"}\n");
    assertThatThrownBy(new BatchFile(jsonl, null, merchants)::validate)
        .hasMessageContaining("line 1: feature 'merchant_tx_count_1h' is a streaming feature of merchant")
        .hasMessageContaining("line 2 ('merchant_age_days'): 'x' is not an integer");
  }

  @Test
  void shouldRefuseAnUnknownExtension() {
    assertThatThrownBy(() -> new BatchFile(dir.resolve("x.parquet"), null, REGISTRY))
        .hasMessageContaining("use .csv or .jsonl");
  }
}
