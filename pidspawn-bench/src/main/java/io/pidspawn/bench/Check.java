package io.pidspawn.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** A target of issue "D · Performance" and the value measured against it. */
public record Check(String target, double value, boolean atMost, double limit) {
    static Check atMost(String target, double value, double limit) {
        return new Check(target, value, true, limit);
    }

    static Check atLeast(String target, double value, double limit) {
        return new Check(target, value, false, limit);
    }

    public boolean pass() {
        return atMost ? value <= limit : value >= limit;
    }

    /** "pidspawn/c-posix_spawn ≤ 1.00: 0.97 pass" */
    @Override
    public String toString() {
        return target + " " + (atMost ? "≤" : "≥") + " " + format(limit) + ": " + format(value) + " " + (pass() ? "pass" : "MISS");
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target + (atMost ? " <= " : " >= ") + format(limit));
        m.put("value", Stats.round(value, 3));
        m.put("pass", pass());
        return m;
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) >= 2 ? String.format("%.0f", v) : String.format("%.2f", v);
    }
}
