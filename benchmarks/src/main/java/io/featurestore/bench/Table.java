package io.featurestore.bench;

import java.io.PrintWriter;
import java.util.List;

/**
 * A fixed-width table of figures: a label column declared as {@code "name:width"}, then one
 * number per column, each declared as {@code "name:decimals"} (no decimals: thousands grouped).
 * NaN prints as "-".
 */
final class Table {
  private final String label;
  private final int labelWidth;
  private final String[] names;
  private final int[] decimals;

  Table(String label, String... columns) {
    this.label = label.substring(0, label.lastIndexOf(':'));
    this.labelWidth = Integer.parseInt(label.substring(label.lastIndexOf(':') + 1));
    this.names = new String[columns.length];
    this.decimals = new int[columns.length];
    for (int i = 0; i < columns.length; i++) {
      int colon = columns[i].lastIndexOf(':');
      names[i] = columns[i].substring(0, colon);
      decimals[i] = Integer.parseInt(columns[i].substring(colon + 1));
    }
  }

  void header(PrintWriter out) {
    StringBuilder line = new StringBuilder(String.format("%-" + labelWidth + "s", label));
    for (String name : names) {
      line.append(' ').append(String.format("%" + width(name) + "s", name));
    }
    out.println(line);
    out.flush();
  }

  void row(PrintWriter out, String label, double... values) {
    StringBuilder line = new StringBuilder(String.format("%-" + labelWidth + "s", label));
    for (int i = 0; i < names.length; i++) {
      double v = i < values.length ? values[i] : Double.NaN;
      String text = Double.isNaN(v) ? "-" : String.format(decimals[i] == 0 ? "%,.0f" : "%." + decimals[i] + "f", v);
      line.append(' ').append(String.format("%" + width(names[i]) + "s", text));
    }
    out.println(line);
    out.flush();
  }

  void medians(PrintWriter out, List<double[]> rows) {
    if (!rows.isEmpty()) {
      row(out, "median", Stats.medians(rows));
    }
  }

  private static int width(String name) {
    return Math.max(6, name.length());
  }
}
