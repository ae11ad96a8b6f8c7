package ates.platform.http;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Edge validation of request fields and parameters: each failure is a 400 that names the field,
 * raised before any entity or database sees the value.
 *
 * <p>Strings must be well-formed Unicode (no lone UTF-16 surrogates) without control characters.
 * Dates and instants must lie in the supported range {@link #MIN_DATE}..{@link #MAX_DATE}, so a
 * value that PostgreSQL or {@code java.time} arithmetic cannot handle never gets that far.
 */
public final class Validation {

  /** The first supported date of every date or instant the API accepts. */
  public static final LocalDate MIN_DATE = LocalDate.of(1970, 1, 1);

  /** The last supported date of every date or instant the API accepts. */
  public static final LocalDate MAX_DATE = LocalDate.of(9999, 12, 31);

  private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
  private static final Pattern COUNT = Pattern.compile("[0-9]{1,9}");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,128}");

  private Validation() {}

  public static String required(String field, String value) {
    if (value == null) throw ProblemException.invalidField(field, "is required");
    return wellFormed(field, value);
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

  /** Refuses lone UTF-16 surrogates: they cannot be encoded as UTF-8 or stored. */
  public static String wellFormed(String field, String value) {
    if (!isWellFormed(value)) {
      throw ProblemException.invalidField(field, "must be well-formed Unicode (a lone surrogate)");
    }
    return value;
  }

  /** True when every surrogate of {@code value} is half of a pair. */
  public static boolean isWellFormed(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) return false;
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Refuses control characters (NUL cannot even be stored by PostgreSQL); line breaks and tabs are
   * allowed in multi-line fields only.
   */
  public static String noControlCharacters(String field, String value) {
    wellFormed(field, value);
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

  /** A date {@code YYYY-MM-DD} (ASCII digits, four-digit year) in the supported range. */
  public static LocalDate date(String field, String value) {
    required(field, value);
    LocalDate date;
    try {
      if (!DATE.matcher(value).matches()) throw new DateTimeException(value);
      date = LocalDate.parse(value, DateTimeFormatter.ISO_LOCAL_DATE);
    } catch (DateTimeException e) {
      throw ProblemException.invalidField(field, "must be a date YYYY-MM-DD");
    }
    return inRange(field, date);
  }

  /** An ISO-8601 instant such as {@code 2026-11-24T10:15:30Z} in the supported range. */
  public static Instant instant(String field, String value) {
    required(field, value);
    Instant instant;
    try {
      instant = Instant.parse(value);
    } catch (DateTimeException e) {
      throw ProblemException.invalidField(
          field, "must be an ISO-8601 timestamp such as 2026-11-24T10:15:30Z");
    }
    if (instant.isBefore(MIN_DATE.atStartOfDay(ZoneOffset.UTC).toInstant())
        || !instant.isBefore(MAX_DATE.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant())) {
      throw outOfRange(field);
    }
    return instant;
  }

  private static LocalDate inRange(String field, LocalDate date) {
    if (date.isBefore(MIN_DATE) || date.isAfter(MAX_DATE)) throw outOfRange(field);
    return date;
  }

  /** A whole number written in ASCII digits, from {@code min} to {@code max}. */
  public static int count(String field, String value, int min, int max) {
    required(field, value);
    if (COUNT.matcher(value).matches()) {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) return n;
    }
    throw ProblemException.invalidField(field, "must be a number from " + min + " to " + max);
  }

  /** An {@code Idempotency-Key}: 1 to 128 visible ASCII characters (http-api.md, Idempotency). */
  public static String idempotencyKey(String value) {
    if (!IDEMPOTENCY_KEY.matcher(value).matches()) {
      throw ProblemException.badRequest(
          "header 'Idempotency-Key' must be 1 to 128 visible ASCII characters");
    }
    return value;
  }

  private static ProblemException outOfRange(String field) {
    return ProblemException.invalidField(
        field, "must lie between " + MIN_DATE + " and " + MAX_DATE + " (the supported range)");
  }
}
