// Json is LuceneBench's reader and writer of JSON (the corpus records, the
// query plan and the results), in a file of its own; see LuceneBench.java.

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for the corpus records, the plan and the results: objects,
 * arrays, strings, numbers (read as doubles), booleans and null. The input is
 * what Go's encoder writes.
 */
final class Json {
  private final String s;
  private int i;

  private Json(String s) {
    this.s = s;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(String s) {
    Json j = new Json(s);
    Object v = j.value();
    j.space();
    if (!(v instanceof Map) || j.i != s.length()) {
      throw j.error("want one JSON object");
    }
    return (Map<String, Object>) v;
  }

  private Object value() {
    space();
    char c = s.charAt(i);
    switch (c) {
      case '{': {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        space();
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        do {
          space();
          String k = string();
          space();
          expect(':');
          m.put(k, value());
          space();
        } while (s.charAt(i++) == ',');
        if (s.charAt(i - 1) != '}') {
          throw error("want , or }");
        }
        return m;
      }
      case '[': {
        i++;
        List<Object> l = new ArrayList<>();
        space();
        if (s.charAt(i) == ']') {
          i++;
          return l;
        }
        do {
          l.add(value());
          space();
        } while (s.charAt(i++) == ',');
        if (s.charAt(i - 1) != ']') {
          throw error("want , or ]");
        }
        return l;
      }
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
          i++;
        }
        if (start == i) {
          throw error("unexpected " + c);
        }
        return Double.parseDouble(s.substring(start, i));
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    for (;;) {
      int j = i;
      while (s.charAt(j) != '"' && s.charAt(j) != '\\') {
        j++;
      }
      b.append(s, i, j);
      i = j + 1;
      if (s.charAt(j) == '"') {
        return b.toString();
      }
      char e = s.charAt(i++);
      switch (e) {
        case 'n': b.append('\n'); break;
        case 't': b.append('\t'); break;
        case 'r': b.append('\r'); break;
        case 'b': b.append('\b'); break;
        case 'f': b.append('\f'); break;
        case 'u':
          b.append((char) Integer.parseInt(s, i, i + 4, 16));
          i += 4;
          break;
        default: b.append(e); // " \ /
      }
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, i)) {
      throw error("want " + word);
    }
    i += word.length();
    return v;
  }

  private void space() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw error("want " + c);
    }
    i++;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("JSON at offset " + i + ": " + what);
  }

  /** Writes maps, lists, arrays of long, strings, numbers and booleans. */
  static String write(Object v) {
    StringBuilder b = new StringBuilder();
    write(b, v);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v) {
    if (v instanceof Map) {
      b.append('{');
      String sep = "";
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        b.append(sep);
        write(b, e.getKey().toString());
        b.append(':');
        write(b, e.getValue());
        sep = ",";
      }
      b.append('}');
    } else if (v instanceof List) {
      b.append('[');
      String sep = "";
      for (Object e : (List<?>) v) {
        b.append(sep);
        write(b, e);
        sep = ",";
      }
      b.append(']');
    } else if (v instanceof long[][]) {
      b.append('[');
      String sep = "";
      for (long[] a : (long[][]) v) {
        b.append(sep);
        write(b, a);
        sep = ",";
      }
      b.append(']');
    } else if (v instanceof long[]) {
      b.append('[');
      String sep = "";
      for (long x : (long[]) v) {
        b.append(sep).append(x);
        sep = ",";
      }
      b.append(']');
    } else if (v instanceof String) {
      b.append('"');
      for (char c : ((String) v).toCharArray()) {
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      b.append('"');
    } else {
      b.append(v); // numbers, booleans
    }
  }
}
