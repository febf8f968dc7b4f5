package io.pidspawn.cli;

import java.time.Duration;

/** Durations as timeout(1) takes them: a number with an optional suffix s, m, h or d, or ms. */
final class Durations {
    private Durations() {}

    static Duration parse(String option, String text) {
        String t = text.trim();
        double unitSeconds = 1;
        String number = t;
        if (t.endsWith("ms")) {
            unitSeconds = 0.001;
            number = t.substring(0, t.length() - 2);
        } else if (!t.isEmpty() && "smhd".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unitSeconds = switch (t.charAt(t.length() - 1)) {
                case 'm' -> 60;
                case 'h' -> 3600;
                case 'd' -> 86400;
                default -> 1;
            };
            number = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(number);
            if (v >= 0 && !Double.isInfinite(v) && !number.isBlank() && !number.contains("e") && !number.contains("E")) {
                return Duration.ofNanos((long) (v * unitSeconds * 1e9));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + ": \"" + text + "\" is not a duration (such as 10s, 500ms, 2m, 1.5h)");
    }
}
