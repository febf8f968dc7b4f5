package io.pidspawn.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one workload measured: each contender's figures, the ratios pidspawn/baseline, and the
 * targets checked against them.
 *
 * @param rate what {@code per_s} counts: "spawns/s", "calls/s", "MB/s"
 * @param ratioOf which figure the ratios divide: "median_us" or "per_s"
 */
public record Result(String name, String description, String rate, String ratioOf, Map<String, Stats> contenders,
                     Map<String, Double> ratios, List<Check> checks, List<String> notes) {
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("description", description);
        m.put("per_s_unit", rate);
        Map<String, Object> cs = new LinkedHashMap<>();
        contenders.forEach((name, s) -> cs.put(name, s.toJson()));
        m.put("contenders", cs);
        m.put("ratio_of", ratioOf);
        Map<String, Object> rs = new LinkedHashMap<>();
        ratios.forEach((name, r) -> rs.put(name, Stats.round(r, 3)));
        m.put("ratios", rs);
        m.put("targets", checks.stream().map(Check::toJson).toList());
        m.put("notes", notes);
        return m;
    }

    public void print(PrintStream out) {
        out.println();
        out.println("== " + name + ": " + description);
        out.printf("%-26s %11s %11s %12s %13s%n", "contender", "median µs", "p99 µs", rate, "parent CPU µs");
        contenders.forEach((c, s) -> out.printf("%-26s %11.1f %11.1f %12.1f %13s%s%n", c, s.medianUs(), s.p99Us(), s.perS(),
                s.parentCpuUs() > 0 ? String.format("%.1f", s.parentCpuUs()) : "-",
                s.extra().isEmpty() ? "" : "   " + s.extra()));
        ratios.forEach((r, v) -> out.printf("ratio %-40s %.3f%n", r + " (" + ratioOf + ")", v));
        checks.forEach(c -> out.println("target " + c));
        notes.forEach(n -> out.println("note: " + n));
    }
}
