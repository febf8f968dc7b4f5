package io.pidspawn.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Who is measured: pidspawn and its baselines, each in a worker process of its own. */
public enum Contender {
    /** The Java API: a Command template, spawn(), waitFor() (on the pidfd itself, then on the reaper). */
    PIDSPAWN("pidspawn"),
    /** The builder UAPI: pidfd_spawn_run and a blocking pidfd_wait, no reaper. */
    PIDSPAWN_UAPI("pidspawn-uapi"),
    C_POSIX_SPAWN("c-posix_spawn"),
    C_VFORK("c-vfork"),
    /** ProcessBuilder, launch mechanism POSIX_SPAWN (through jspawnhelper): the JDK's default. */
    PB_DEFAULT("pb-default"),
    /** ProcessBuilder with -Djdk.lang.Process.launchMechanism=VFORK (deprecated, still there in 25). */
    PB_VFORK("pb-vfork"),
    /** NuProcess 3.0.0: posix_spawnp through JNA. */
    NUPROCESS("nuprocess");

    /** Options of every Java worker: the JVM's defaults otherwise, as an application gets them. */
    static final List<String> JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "-Xshare:auto");

    private final String label;

    Contender(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Whether its worker is a JVM (all but the C driver's). */
    boolean isJava() {
        return this != C_POSIX_SPAWN && this != C_VFORK;
    }

    /** The command that starts this contender's worker; a Java worker gets the extra JVM options too. */
    List<String> command(Path driver, List<String> jvmOptions) throws IOException {
        return switch (this) {
            case C_POSIX_SPAWN -> List.of(driver.toString(), "posix_spawn");
            case C_VFORK -> List.of(driver.toString(), "vfork");
            default -> {
                List<String> cmd = new ArrayList<>();
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                boolean aot = jvmOptions.stream().anyMatch(o -> o.startsWith("-XX:AOTCache"));
                // -XX:AOTCache and AOTCacheOutput refuse any -Xshare: they are a CDS archive themselves
                JVM_OPTIONS.stream().filter(o -> !(aot && o.startsWith("-Xshare:"))).forEach(cmd::add);
                cmd.addAll(jvmOptions);
                if (this == PB_VFORK) {
                    cmd.add("-Djdk.lang.Process.launchMechanism=VFORK"); // read once per JVM
                }
                cmd.addAll(List.of("-cp", classPath(), BenchWorker.class.getName(), label));
                yield cmd;
            }
        };
    }

    /**
     * This JVM's classes as a class path: bin/pidspawn runs on the module path (the jar and
     * target/lib), the tests on the class path.
     */
    private static String classPath() throws IOException {
        String modules = System.getProperty("jdk.module.path");
        if (modules == null) {
            return System.getProperty("java.class.path");
        }
        List<String> entries = new ArrayList<>();
        for (String e : modules.split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p) && !Files.exists(p.resolve("module-info.class"))) {
                try (Stream<Path> jars = Files.list(p)) {
                    jars.filter(j -> j.toString().endsWith(".jar")).sorted().forEach(j -> entries.add(j.toString()));
                }
            } else {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
