package ates.platform.http;

import java.util.regex.Pattern;

/** Edge validation of request fields: each failure is a 400 that names the field. */
public final class Validation {

  private Validation() {}

  public static String required(String field, String value) {
    if (value == null) throw ProblemException.invalidField(field, "is required");
    return value;
  }

  public static String length(String field, String value, int min, int max) {
    required(field, value);
    noControlCharacters(field, value);
    int n = value.codePointCount(0, value.length());
    if (n < min || n > max)
      throw ProblemException.invalidField(
          field, "must have " + min + " to " + max + " characters (has " + n + ")");
    return value;
  }

  /**
   * Refuses control characters (NUL cannot even be stored by PostgreSQL); line breaks and tabs
   * are allowed in multi-line fields only.
   */
  public static String noControlCharacters(String field, String value) {
    boolean multiLine = field.equals("description");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean allowed = multiLine && (c == '\n' || c == '\r' || c == '\t');
      if (Character.isISOControl(c) && !allowed) {
        throw ProblemException.invalidField(field, "must not contain control characters");
      }
    }
    return value;
  }

  public static String matches(String field, String value, Pattern pattern, String rule) {
    required(field, value);
    if (!pattern.matcher(value).matches()) throw ProblemException.invalidField(field, rule);
    return value;
  }
}
