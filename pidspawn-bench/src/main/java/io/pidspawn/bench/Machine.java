package io.pidspawn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The facts every stored result records: kernel, CPU, cores, JDK, and how busy the machine was. */
public record Machine(String kernel, String cpu, int cores, String jdk, String loadBefore) {
    public static Machine current(String kernel) {
        return new Machine(kernel, cpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                        + " (" + System.getProperty("java.vendor.version", System.getProperty("java.vendor")) + ")",
                loadAverage());
    }

    /** The 1-, 5- and 15-minute load averages: on a shared machine, how noisy the figures may be. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    public Map<String, Object> toJson(String loadAfter) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kernel", kernel);
        m.put("cpu", cpu);
        m.put("cores", cores);
        m.put("jdk", jdk);
        m.put("worker_jvm_options", String.join(" ", Contender.JVM_OPTIONS));
        m.put("loadavg_before", loadBefore);
        m.put("loadavg_after", loadAfter);
        return m;
    }
}
