package io.featurestore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FeatureTypeTest {

  @Test
  void shouldRoundTripEveryTypeThroughItsWireForm() {
    assertThat(FeatureType.STRING.decode(FeatureType.STRING.encode("low"))).isEqualTo("low");
    assertThat(FeatureType.INT.decode(FeatureType.INT.encode(42))).isEqualTo(42L);
    assertThat(FeatureType.TIMESTAMP_MS.decode(FeatureType.TIMESTAMP_MS.encode(1716998413541L))).isEqualTo(1716998413541L);
    assertThat(FeatureType.DOUBLE.decode(FeatureType.DOUBLE.encode(92.4))).isEqualTo(92.4);
    assertThat(FeatureType.BOOL.decode(FeatureType.BOOL.encode(true))).isEqualTo(true);
  }

  @Test
  void shouldCanonicaliseTextInput() {
    assertThat(FeatureType.INT.encode(" 17 ")).isEqualTo("17");
    assertThat(FeatureType.DOUBLE.encode("92.40")).isEqualTo("92.4");
    assertThat(FeatureType.DOUBLE.encode("3")).isEqualTo("3");
    assertThat(FeatureType.BOOL.encode("TRUE")).isEqualTo("true");
  }

  @Test
  void shouldRejectValuesOfTheWrongTypeWithAClearReason() {
    assertThatThrownBy(() -> FeatureType.INT.encode("12.5")).hasMessageContaining("'12.5' is not an integer");
    assertThatThrownBy(() -> FeatureType.INT.encode(1.5)).hasMessageContaining("expected an integer");
    assertThatThrownBy(() -> FeatureType.DOUBLE.encode("abc")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> FeatureType.DOUBLE.encode(Double.NaN)).hasMessageContaining("not a finite number");
    assertThatThrownBy(() -> FeatureType.BOOL.encode("yes")).hasMessageContaining("not true or false");
    assertThatThrownBy(() -> FeatureType.STRING.encode(5)).hasMessageContaining("expected a string");
    assertThatThrownBy(() -> FeatureType.STRING.encode(null)).hasMessageContaining("null");
    assertThat(FeatureType.STRING.encode("x".repeat(FeatureType.MAX_STRING_LENGTH))).hasSize(65_536);
    assertThatThrownBy(() -> FeatureType.STRING.encode("x".repeat(FeatureType.MAX_STRING_LENGTH + 1)))
        .hasMessage("a string of 65537 characters; a string feature holds at most 65536");
  }

  @Test
  void shouldRefuseToDecodeAStoredValueThatIsNotOfItsTypeAndNameIt() {
    assertThatThrownBy(() -> FeatureType.INT.decode("fourteen")).hasMessage("'fourteen' is not an integer");
    assertThatThrownBy(() -> FeatureType.INT.decode("1e3")).hasMessage("'1e3' is not an integer");
    assertThatThrownBy(() -> FeatureType.TIMESTAMP_MS.decode("99999999999999999999"))
        .hasMessage("'99999999999999999999' is not an integer");
    assertThatThrownBy(() -> FeatureType.DOUBLE.decode("NaN")).hasMessage("'NaN' is not a finite number");
    assertThatThrownBy(() -> FeatureType.DOUBLE.decode("-Infinity")).hasMessage("'-Infinity' is not a finite number");
    assertThatThrownBy(() -> FeatureType.DOUBLE.decode("n/a")).hasMessage("'n/a' is not a number");
    assertThatThrownBy(() -> FeatureType.BOOL.decode("yes")).hasMessage("'yes' is not true or false");
    assertThatThrownBy(() -> FeatureType.STRING.decode("x".repeat(FeatureType.MAX_STRING_LENGTH + 1)))
        .hasMessage("a string of 65537 characters; a string feature holds at most 65536");
    assertThatThrownBy(() -> FeatureType.INT.decode("x".repeat(100)))
        .hasMessage("'" + "x".repeat(40) + "…' is not an integer");
  }

  @Test
  void shouldShowTheStoredTextWhereInspectionMeetsAValueNotOfItsType() {
    assertThat(FeatureType.INT.decodeOrText("n/a")).isEqualTo("n/a");
    assertThat(FeatureType.INT.decodeOrText("14")).isEqualTo(14L);
  }

  @Test
  void shouldResolveRegistryNames() {
    assertThat(FeatureType.fromRegistryName("timestamp_ms")).isEqualTo(FeatureType.TIMESTAMP_MS);
    assertThatThrownBy(() -> FeatureType.fromRegistryName("float"))
        .hasMessageContaining("unknown type 'float'").hasMessageContaining("double");
  }
}
