package ates.accounting;

import java.util.Locale;

/** Integer cents shown to people. */
final class Money {
  private Money() {}

  static String format(long cents) {
    return String.format(Locale.ROOT, "$%d.%02d", cents / 100, Math.abs(cents % 100));
  }
}
