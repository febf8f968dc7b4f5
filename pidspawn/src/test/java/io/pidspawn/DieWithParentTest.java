package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.testkit.Helper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Command.Builder#dieWithParent()}: a JVM of its own (the {@link Owner} below) starts a
 * tree — a background child, a grandchild that called setsid() and a daemon that forked twice,
 * each found by a marker in its argv — and is then killed with SIGKILL or exits; the tree must be
 * gone within a second, its cgroups too. Without the option the same tree survives its JVM.
 */
class DieWithParentTest {
    private final String marker = "pidspawn-owner-" + UUID.randomUUID();
    private final List<Process> owners = new ArrayList<>();

    /** Four sleepers: the shell's own, a background one, a setsid'ed one and a double-forked one. */
    private static String tree(String helper, String marker) {
        String sleeper = helper + " sleep 300 " + marker;
        return sleeper + " & setsid " + sleeper + " & ( setsid " + sleeper + " & ) ; " + sleeper;
    }

    /**
     * The owning JVM: {@code Owner MODE MARKER HELPER}. Spawns the tree (with dieWithParent unless
     * MODE is {@code keep}), prints {@code cg DIR} for each of the child's cgroups and
     * {@code ready}, then waits for a line on stdin: {@code exit} calls System.exit(0).
     * MODE {@code restart} first kills the watcher and waits for the library to start another.
     * MODE {@code lazy} prints how many watchers exist before and after die-with-parent spawns.
     * MODE {@code suicide}: the tree kills this JVM with SIGKILL as soon as it starts, after
     * forking a setsid'ed sleeper, so the JVM may die before the spawn even returns.
     * MODE {@code own} gives the tree a cgroup of its own but lets it outlive the JVM; MODE
     * {@code sweep} spawns one child with a cgroup of its own, which sweeps stale ones first.
     * MODE {@code drop} spawns short children and prints how many trees the watch holds once
     * they are reaped.
     */
    static final class Owner {
        public static void main(String[] args) throws Exception {
            String mode = args[0];
            String marker = args[1];
            String helper = args[2];
            switch (mode) {
                case "lazy" -> {
                    try (Command plain = Command.builder("true").build()) {
                        plain.spawn().waitFor();
                    }
                    System.out.println("before " + watchers().size());
                    try (Command c = Command.builder("true").dieWithParent().build()) {
                        c.spawn().waitFor();
                        c.spawn().waitFor();
                    }
                    System.out.println("after " + watchers().size());
                    return;
                }
                case "drop" -> {
                    try (Command c = Command.builder("/bin/sh").args("-c", "true").dieWithParent().build()) {
                        for (int i = 0; i < 20; i++) {
                            c.spawn().waitFor();
                        }
                    }
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    while (io.pidspawn.internal.spawn.OwnerWatch.get().liveCount() > 0 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    System.out.println("live " + io.pidspawn.internal.spawn.OwnerWatch.get().liveCount());
                    return;
                }
                case "sweep" -> {
                    try (Command c = Command.builder("true").ownCgroup().build()) {
                        c.spawn().waitFor();
                    }
                    return;
                }
                default -> { }
            }
            String script = mode.equals("suicide")
                    // The tree kills its JVM itself at once, racing the JVM's return from the spawn.
                    ? "setsid " + helper + " sleep 300 " + marker + " & kill -9 $PPID; " + helper + " sleep 300 " + marker
                    : tree(helper, marker);
            // Not the JVM's stdout: a tree that outlived the JVM would hold the test's pipe open.
            Command.Builder b = Command.builder("/bin/sh").args("-c", script).stdout(Stdio.discard()).stderr(Stdio.discard());
            if (mode.equals("own")) {
                b.ownCgroup();
            } else if (!mode.equals("keep")) {
                b.dieWithParent();
            }
            Child child;
            try (Command c = b.build()) {
                child = c.spawn();
            }
            for (Path dir : child.ownCgroupDirectories()) {
                System.out.println("cg " + dir);
            }
            if (mode.equals("restart")) {
                List<Integer> first = watchers();
                for (int pid : first) {
                    Libc.kill(pid, Signals.SIGKILL);
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                List<Integer> now;
                // one look per round: a killed watcher may still be listed, and gone a moment later
                while (((now = watchers()).isEmpty() || now.stream().anyMatch(first::contains)) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                System.out.println("watchers " + first + " then " + now);
            }
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("exit")) {
                    System.exit(0);
                }
            }
        }

        /** This JVM's watcher processes (argv[0] pidspawn-watch, parent this JVM). */
        private static List<Integer> watchers() throws IOException {
            List<Integer> pids = new ArrayList<>();
            for (int pid : Helper.children()) {
                try {
                    String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
                    if (cmdline.startsWith("pidspawn-watch\0") && !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z ")) {
                        pids.add(pid);
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
            return pids;
        }
    }

    /** A started owner JVM and what it printed up to {@code ready}. */
    private record Started(Process process, List<String> lines) {
        List<Path> cgroups() {
            return lines.stream().filter(l -> l.startsWith("cg ")).map(l -> Path.of(l.substring(3))).toList();
        }
    }

    private Started owner(String mode) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Owner.class.getName(), mode, marker, Helper.path())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        owners.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.equals("ready")) {
                break;
            }
        }
        if (!List.of("lazy", "drop", "sweep", "suicide").contains(mode)) {
            assertThat(lines).as("the owner JVM started its tree").contains("ready");
        }
        return new Started(p, lines);
    }

    /** The tree's processes: those with the marker in argv, but the owner JVMs (their argv has it too). */
    private List<Integer> tree() {
        List<Long> jvms = owners.stream().map(Process::pid).toList();
        return Helper.withMarker(marker).stream().filter(pid -> !jvms.contains((long) pid)).toList();
    }

    /** Waits for the tree: the shell (its script names the marker) and its four sleepers. */
    private void awaitTree() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (tree().size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(tree()).as("the tree started").hasSize(5);
    }

    /** Milliseconds until no process of the tree is left, or -1 if some still run after the limit. */
    private long millisUntilGone(long limitMillis) throws InterruptedException {
        long start = System.nanoTime();
        while (!tree().isEmpty()) {
            if (System.nanoTime() - start > limitMillis * 1_000_000L) {
                return -1;
            }
            Thread.sleep(5);
        }
        return (System.nanoTime() - start) / 1_000_000L;
    }

    private static void assertRemoved(List<Path> cgroups) throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (cgroups.stream().anyMatch(Files::exists) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(cgroups).as("the tree's cgroups are removed").noneMatch(Files::exists);
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : owners) {
            p.destroyForcibly().waitFor();
        }
        for (int pid : Helper.withMarker(marker)) {
            Libc.kill(pid, Signals.SIGKILL);
        }
    }

    private static boolean cgroupsAvailable() {
        try (Command c = Command.builder("true").ownCgroup().build()) {
            return true;
        } catch (ErrnoException e) {
            System.err.println("DieWithParentTest: no cgroup of its own for a child here, so a setsid'ed grandchild"
                    + " cannot be reached; skipping: " + e.getMessage());
            return false;
        }
    }

    @Test
    void theWholeTreeDiesWhenItsJvmIsKilledBySigkill() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        Started o = owner("die");
        awaitTree();
        assertThat(o.cgroups()).as("the child got a cgroup of its own").isNotEmpty();
        o.process().destroyForcibly(); // SIGKILL: no shutdown hook, no finalizer, nothing of the JVM runs
        o.process().waitFor();
        long ms = millisUntilGone(1_000);
        assertThat(ms).as("processes of the tree still running 1 s after the JVM was killed: " + tree())
                .isNotNegative();
        System.err.println("DieWithParentTest: the tree was gone " + ms + " ms after its JVM was reaped");
        assertRemoved(o.cgroups());
    }

    @Test
    void theWholeTreeDiesWhenItsJvmExits() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        Started o = owner("die");
        awaitTree();
        o.process().getOutputStream().write("exit\n".getBytes(StandardCharsets.UTF_8));
        o.process().getOutputStream().flush();
        assertThat(o.process().waitFor()).isZero();
        assertThat(millisUntilGone(1_000)).as("processes still running: " + tree()).isNotNegative();
        assertRemoved(o.cgroups());
    }

    @Test
    void aTreeThatKillsItsJvmAtOnceStillDies() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        for (int i = 0; i < 5; i++) {
            Started o = owner("suicide");
            o.process().waitFor();
            Thread.sleep(50); // the setsid'ed sleeper has forked before the kill; let it exec
            assertThat(millisUntilGone(1_000)).as("round " + i + ": processes still running: " + tree()).isNotNegative();
        }
    }

    @Test
    void withoutTheOptionTheTreeOutlivesItsJvm() throws Exception {
        Started o = owner("keep");
        awaitTree();
        o.process().destroyForcibly().waitFor();
        Thread.sleep(1_000);
        assertThat(tree()).as("a tree that was not asked to die with its parent").hasSize(5);
    }

    @Test
    void theCgroupsOfAKilledJvmsChildrenAreRemovedByTheNextJvmOnceEmpty() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        Started o = owner("own");
        awaitTree();
        assertThat(o.cgroups()).isNotEmpty();
        o.process().destroyForcibly().waitFor();
        Thread.sleep(200);
        assertThat(o.cgroups()).as("the tree still runs in them").allMatch(Files::exists);
        for (int pid : tree()) {
            Libc.kill(pid, Signals.SIGKILL);
        }
        assertThat(millisUntilGone(2_000)).isNotNegative();
        Started next = owner("sweep");
        assertThat(next.process().waitFor()).isZero();
        assertThat(o.cgroups()).as("stale cgroups of a JVM that is gone").noneMatch(Files::exists);
    }

    @Test
    void aWatcherThatWasKilledIsReplacedAndStillKillsTheTree() throws Exception {
        assumeTrue(cgroupsAvailable(), "the library cannot create cgroups here");
        Started o = owner("restart");
        awaitTree();
        String watchers = o.lines().stream().filter(l -> l.startsWith("watchers ")).findFirst().orElseThrow();
        assertThat(watchers).as("a new watcher replaced the killed one").doesNotEndWith("then []");
        o.process().destroyForcibly().waitFor();
        assertThat(millisUntilGone(1_000)).as("processes still running: " + tree()).isNotNegative();
    }

    @Test
    void theWatcherStartsWithTheFirstChildThatAsksAndIsShared() throws Exception {
        Started o = owner("lazy");
        assertThat(o.process().waitFor()).isZero();
        assertThat(o.lines()).containsExactly("before 0", "after 1");
    }

    @Test
    void reapedTreesAreDroppedFromTheWatch() throws Exception {
        Started o = owner("drop");
        assertThat(o.process().waitFor()).isZero();
        assertThat(o.lines()).containsExactly("live 0");
    }
}
