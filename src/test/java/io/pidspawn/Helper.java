package io.pidspawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The test helper program and the checks every test class shares. */
public final class Helper {
    private Helper() {}

    /** The absolute path of the pshelper binary the test build compiles. */
    public static String path() {
        String p = System.getProperty("pidspawn.test.helper");
        if (p == null) {
            p = Path.of("target/test-native/pshelper").toAbsolutePath().toString();
        }
        if (!Files.isExecutable(Path.of(p))) {
            throw new IllegalStateException("test helper not built: " + p + " (run the tests through Maven)");
        }
        return p;
    }

    /** argv for the helper: {@code pshelper cmd args...}. */
    public static List<String> argv(String... args) {
        List<String> a = new ArrayList<>();
        a.add(path());
        a.addAll(List.of(args));
        return a;
    }

    /** The fds this JVM has open now, without the listing's own directory fd. */
    public static Set<Integer> openFds() {
        Set<Integer> fds = new TreeSet<>();
        Path dir = Path.of("/proc/self/fd");
        try (Stream<Path> s = Files.list(dir)) {
            String self = dir.toRealPath().toString();
            s.forEach(p -> {
                try {
                    if (!Files.readSymbolicLink(p).toString().equals(self)) {
                        fds.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException closedMeanwhile) {
                    // opened and closed by another thread while we listed
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return fds;
    }

    /** Pids of this JVM's children, live or zombie, across all its threads. */
    public static Set<Integer> children() {
        Set<Integer> pids = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String c = Files.readString(t.resolve("children")).trim();
                    if (!c.isEmpty()) {
                        for (String pid : c.split("\\s+")) {
                            pids.add(Integer.parseInt(pid));
                        }
                    }
                } catch (IOException threadGone) {
                    // a thread exited while we listed
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }
}
