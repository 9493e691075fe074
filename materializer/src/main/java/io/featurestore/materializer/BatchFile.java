package io.featurestore.materializer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import io.featurestore.core.EntityRow;
import io.featurestore.core.FeatureDefinition;
import io.featurestore.core.FeatureRegistry;
import io.featurestore.core.FeatureSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A file of batch features: CSV (header = entity id column, then feature names) or JSON
 * Lines (one object per line with the entity id and features). {@link #validate()} reads
 * the whole file and rejects it with every problem's line and column before anything is
 * loaded; {@link #forEachRow} then reads it again for the load.
 *
 * <p>The id column is {@code entity_id} or {@code <entity>_id} ({@code user_id}). Only
 * batch features may appear; an empty cell or a JSON null is an error (omit the column or
 * key instead), and so is an entity id given twice.
 */
public final class BatchFile {
  public enum Format {
    CSV, JSONL;

    static Format of(Path file) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (name.endsWith(".csv")) {
        return CSV;
      }
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
        return JSONL;
      }
      throw new io.featurestore.core.InvalidInputException("cannot tell the format of " + file
          + " from its name: use .csv or .jsonl, or give --format");
    }
  }

  private final Path file;
  private final Format format;
  private final FeatureRegistry registry;
  private final List<String> idColumns;
  private final Map<String, FeatureDefinition> batchFeatures = new LinkedHashMap<>();

  public BatchFile(Path file, Format format, FeatureRegistry registry) {
    this.file = file;
    this.format = format == null ? Format.of(file) : format;
    this.registry = registry;
    this.idColumns = List.of("entity_id", registry.entityName() + "_id");
    for (FeatureDefinition f : registry.features(FeatureSource.BATCH)) {
      batchFeatures.put(f.name(), f);
    }
  }

  /** Reads the whole file; returns its row count, or throws listing every problem. */
  public long validate() {
    List<String> problems = new ArrayList<>();
    long[] total = {0};
    Map<String, Long> firstLineOf = new HashMap<>();
    long rows = read((line, row) -> {
      Long earlier = firstLineOf.putIfAbsent(row.entityId(), line);
      if (earlier != null) {
        report(problems, total, line, "entity id '" + row.entityId() + "' was already given at line " + earlier);
      }
    }, problem -> report(problems, total, -1, problem));
    if (total[0] > 0) {
      throw new BatchFileException(file.toString(), problems, total[0]);
    }
    return rows;
  }

  /** Reads the file again and hands each row to {@code sink}; call after {@link #validate()}. */
  public void forEachRow(Consumer<EntityRow> sink) {
    read((line, row) -> sink.accept(row), problem -> {
      throw new IllegalStateException(file + " changed after it was validated: " + problem);
    });
  }

  private static void report(List<String> problems, long[] total, long line, String problem) {
    total[0]++;
    if (problems.size() < BatchFileException.MAX_LISTED) {
      problems.add(line > 0 ? "line " + line + ": " + problem : problem);
    }
  }

  private interface RowSink {
    void accept(long line, EntityRow row);
  }

  private long read(RowSink sink, Consumer<String> problems) {
    try {
      return format == Format.CSV ? readCsv(sink, problems) : readJsonLines(sink, problems);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The file as UTF-8 text, without the byte-order mark that spreadsheets write first. */
  private BufferedReader openText() throws IOException {
    BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
    try {
      reader.mark(1);
      if (reader.read() != '\uFEFF') {
        reader.reset();
      }
    } catch (IOException e) {
      reader.close();
      throw e;
    }
    return reader;
  }

  /** The problem of a file that is not UTF-8: the first line that is not, found by reading it again as bytes. */
  private String notUtf8() {
    long line = 1;
    try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      for (int b = in.read(); ; b = in.read()) {
        if (b == '\n' || b < 0) {
          try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
          } catch (CharacterCodingException e) {
            break;
          }
          if (b < 0) {
            break;
          }
          bytes.reset();
          line++;
        } else {
          bytes.write(b);
        }
      }
    } catch (IOException e) {
      return "not UTF-8 text, and cannot be read again (" + e.getMessage() + "); save the file as UTF-8";
    }
    return "line " + line + ": not UTF-8 text; save the file as UTF-8";
  }

  private long readCsv(RowSink sink, Consumer<String> problems) throws IOException {
    CsvMapper mapper = new CsvMapper();
    try (BufferedReader reader = openText(); JsonParser parser = mapper.getFactory().createParser(reader)) {
      return readCsv(parser, sink, problems);
    } catch (CharacterCodingException e) {
      problems.accept(notUtf8());
      return 0;
    }
  }

  private long readCsv(JsonParser parser, RowSink sink, Consumer<String> problems) throws IOException {
    try {
      if (parser.nextToken() != JsonToken.START_ARRAY) {
        problems.accept("line 1: the file is empty; expected a header: entity_id," + String.join(",", batchFeatures.keySet()));
        return 0;
      }
      List<String> header = readCsvRecord(parser);
      List<FeatureDefinition> columns = csvColumns(header, problems);
      if (columns == null) {
        return 0;
      }
      long rows = 0;
      while (parser.nextToken() == JsonToken.START_ARRAY) {
        // Jackson's CSV parser reports the row start one line early (the end of the line before).
        long line = parser.currentTokenLocation().getLineNr() + 1;
        List<String> cells = readCsvRecord(parser);
        if (cells.size() == 1 && cells.get(0).isEmpty()) {
          continue; // a blank line
        }
        if (cells.size() != header.size()) {
          problems.accept("line " + line + ": " + cells.size() + " values, but the header has " + header.size() + " columns");
          continue;
        }
        Map<String, String> values = new LinkedHashMap<>();
        String id = cells.get(0).trim();
        boolean ok = checkId(line, header.get(0), id, problems);
        for (int c = 1; c < cells.size(); c++) {
          ok &= encode(line, c + 1, columns.get(c - 1), cells.get(c), values, problems);
        }
        if (ok) {
          rows++;
          sink.accept(line, new EntityRow(id, values));
        }
      }
      return rows;
    } catch (JsonProcessingException e) {
      // A limit of the parser (a value of millions of characters) comes without a location.
      problems.accept((e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ") + "not valid CSV: "
          + e.getOriginalMessage());
      return 0;
    }
  }

  private static List<String> readCsvRecord(JsonParser parser) throws IOException {
    List<String> cells = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      cells.add(parser.getText());
    }
    return cells;
  }

  /** Feature definitions of the header's columns after the id, or null when the header is unusable. */
  private List<FeatureDefinition> csvColumns(List<String> header, Consumer<String> problems) {
    if (header.isEmpty() || !idColumns.contains(header.get(0).trim())) {
      String first = header.isEmpty() ? "" : header.get(0).trim();
      String hint = registry.entityNames().stream().filter(e -> first.equals(e + "_id")).findFirst()
          .map(e -> " (a file of " + e + " rows? load it with --entity " + e + ")").orElse("");
      problems.accept("line 1, column 1: the first column must be " + String.join(" or ", idColumns)
          + ", not '" + first + "'" + hint);
      return null;
    }
    List<FeatureDefinition> columns = new ArrayList<>();
    boolean usable = true;
    for (int c = 1; c < header.size(); c++) {
      String name = header.get(c).trim();
      FeatureDefinition f = batchFeatures.get(name);
      if (f == null) {
        problems.accept("line 1, column " + (c + 1) + ": " + notABatchFeature("column", name));
        usable = false;
      } else if (columns.contains(f)) {
        problems.accept("line 1, column " + (c + 1) + ": column '" + name + "' appears twice");
        usable = false;
      }
      columns.add(f);
    }
    if (!usable) {
      return null;
    }
    if (columns.isEmpty()) {
      problems.accept("line 1: no feature columns; allowed: " + String.join(", ", batchFeatures.keySet()));
      return null;
    }
    return columns;
  }

  private long readJsonLines(RowSink sink, Consumer<String> problems) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    long rows = 0;
    long line = 0;
    try (BufferedReader reader = openText()) {
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
          problems.accept("line " + line + ": not valid JSON: " + e.getOriginalMessage());
          continue;
        }
        if (node == null || !node.isObject()) {
          problems.accept("line " + line + ": expected a JSON object");
          continue;
        }
        String idKey = null;
        for (String candidate : idColumns) {
          if (node.has(candidate)) {
            idKey = candidate;
          }
        }
        if (idKey == null || !node.get(idKey).isTextual()) {
          problems.accept("line " + line + ": needs a string " + String.join(" or ", idColumns));
          continue;
        }
        String id = node.get(idKey).asText();
        boolean ok = checkId(line, idKey, id, problems);
        Map<String, String> values = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> field = fields.next();
          if (field.getKey().equals(idKey)) {
            continue;
          }
          FeatureDefinition f = batchFeatures.get(field.getKey());
          if (f == null) {
            problems.accept("line " + line + ": " + notABatchFeature("feature", field.getKey()));
            ok = false;
            continue;
          }
          JsonNode value = field.getValue();
          Object typed = value.isNumber() ? value.numberValue() : value.isBoolean() ? (Object) value.booleanValue()
              : value.isTextual() ? value.textValue() : null;
          if (typed == null) {
            problems.accept("line " + line + ": feature '" + f.name() + "': expected a " + f.type().registryName()
                + " value, got " + value.getNodeType().toString().toLowerCase(Locale.ROOT));
            ok = false;
            continue;
          }
          ok &= encode(line, -1, f, typed, values, problems);
        }
        if (ok && values.isEmpty()) {
          problems.accept("line " + line + ": no features for '" + id + "'");
          ok = false;
        }
        if (ok) {
          rows++;
          sink.accept(line, new EntityRow(id, values));
        }
      }
    } catch (CharacterCodingException e) {
      problems.accept(notUtf8());
    }
    return rows;
  }

  /**
   * Why {@code name} cannot be loaded for this entity, and what can: a streaming feature of it, a
   * feature of another entity, or no feature at all.
   */
  private String notABatchFeature(String kind, String name) {
    String entity = registry.entityName();
    String quoted = kind + " '" + name + "'";
    String reason;
    if (registry.feature(name).isPresent()) {
      reason = quoted + " is a streaming feature of " + entity + ": the stream processor writes it, with a per-field "
          + "TTL, and a batch load never does";
    } else {
      Optional<String> other = registry.declaredFeatures().stream().filter(f -> f.name().equals(name))
          .map(FeatureDefinition::entity).findFirst();
      reason = other.map(o -> quoted + " is a feature of entity " + o + ", not of " + entity + " (load it with --entity "
          + o + ")").orElse("unknown " + quoted);
    }
    return reason + "; allowed for " + entity + ": " + String.join(", ", batchFeatures.keySet());
  }

  private boolean checkId(long line, String column, String id, Consumer<String> problems) {
    if (!registry.isValidEntityId(id)) {
      problems.accept("line " + line + ": column '" + column + "': malformed " + registry.entityName() + " id '"
          + id + "' (must match " + registry.idPattern() + ")");
      return false;
    }
    return true;
  }

  private static boolean encode(long line, int column, FeatureDefinition f, Object value, Map<String, String> out,
      Consumer<String> problems) {
    String where = "line " + line + (column > 0 ? ", column " + column : "") + " ('" + f.name() + "'): ";
    if (value instanceof String && ((String) value).isBlank()) {
      problems.accept(where + "empty value; give a " + f.type().registryName() + " or leave the column out");
      return false;
    }
    try {
      out.put(f.name(), f.type().encode(value));
      return true;
    } catch (IllegalArgumentException e) {
      problems.accept(where + e.getMessage());
      return false;
    }
  }
}
