package io.pidspawn.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The test helper program and the checks every test class shares. */
public final class Helper {
    /** Whether the tests run as root; root-only tests skip, saying why, when not. */
    public static final boolean ROOT = "0".equals(effectiveId("Uid"));

    private Helper() {}

    /** The effective uid or gid ("Uid" or "Gid") from /proc/self/status. */
    public static String effectiveId(String field) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(field + ":"))
                    .findFirst().orElseThrow().split("\\s+")[2];
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Skips the calling test, printing why, unless running as root. */
    public static void assumeRoot(String why) {
        if (!ROOT) {
            System.out.println("SKIP (not root): " + why);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(ROOT, "needs root: " + why);
    }

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

    /** Pids of every process whose argv holds {@code marker}: to find what a test's tree left running. */
    public static List<Integer> withMarker(String marker) {
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmdline.contains(marker)) {
                        pids.add(Integer.parseInt(name));
                    }
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    /**
     * What this JVM's live threads have read (rchar), summed per thread: /proc/self/io adds the
     * reads of reaped children too. To show that data between children never passed through here.
     */
    public static long bytesReadByThreads() {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(t.resolve("io"))) {
                        if (line.startsWith("rchar:")) {
                            sum += Long.parseLong(line.substring(6).trim());
                        }
                    }
                } catch (IOException threadGone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sum;
    }

    /**
     * The syscall numbers a kernel header defines, by name: {@code __NR_name}, and the generic
     * table's 64-bit {@code __NR3264_name} (fcntl, lseek, fstatfs, ...) under its plain name.
     */
    public static Map<String, Integer> syscallNumbers(Path header) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        Matcher m = Pattern.compile("^#define __NR(?:3264)?_(\\w+)\\s+(\\d+)", Pattern.MULTILINE).matcher(Files.readString(header));
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return out;
    }
}
