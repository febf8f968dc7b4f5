package io.pidspawn.bench;

import io.pidspawn.Command;
import io.pidspawn.Output;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The C programs of the harness, built with the system's gcc into the work directory when
 * missing or stale: the driver of the C baselines ({@code spawn_driver.c}, which is also the
 * supervise workload's child) and a static program that only returns 0. Their sources are in
 * src/bench/c and travel in the jar.
 */
record Binaries(Path driver, Path trueStatic) {
    /** The project's warning flags (the pom's cflags.common): warnings are errors here too. */
    private static final List<String> CFLAGS = List.of("-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-Wshadow",
            "-Wconversion", "-Wno-sign-conversion", "-fno-strict-aliasing");

    /** Where the harness finds a tool by name: the system's directories, so that no shim (pyenv, nvm) is measured. */
    private static final List<String> SYSTEM_PATH = List.of("/usr/local/bin", "/usr/bin", "/bin");

    static Binaries build(Path dir) throws Exception {
        return new Binaries(compile(dir, "spawn_driver", "-pthread"), compile(dir, "true_static", "-static"));
    }

    /** An executable by name in /usr/local/bin, /usr/bin or /bin. */
    static Path tool(String name) throws IOException {
        for (String d : SYSTEM_PATH) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IOException(name + " is not in " + String.join(":", SYSTEM_PATH) + "; the workload needs it");
    }

    /** Builds dir/name from the bundled name.c unless the binary is newer than an identical copy of the source. */
    private static Path compile(Path dir, String name, String... flags) throws Exception {
        Path source = dir.resolve(name + ".c");
        Path binary = dir.resolve(name);
        byte[] bundled;
        try (InputStream in = Binaries.class.getResourceAsStream(name + ".c")) {
            if (in == null) {
                throw new IOException(name + ".c is missing from the jar");
            }
            bundled = in.readAllBytes();
        }
        boolean fresh = Files.exists(source) && Arrays.equals(bundled, Files.readAllBytes(source));
        if (fresh && Files.isExecutable(binary)
                && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
            return binary;
        }
        Files.createDirectories(dir);
        Files.write(source, bundled);
        List<String> args = new ArrayList<>(CFLAGS);
        args.addAll(List.of(flags));
        args.addAll(List.of("-o", binary.toString(), source.toString()));
        try (Command gcc = Command.builder(Binaries.tool("gcc").toString()).args(args).build()) {
            Output out = gcc.output();
            if (!out.success()) {
                throw new IOException("gcc " + String.join(" ", args) + " failed (" + out.status() + "):\n" + out.stderrText());
            }
        }
        return binary;
    }
}
