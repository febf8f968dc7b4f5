package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.internal.spawn.Landlock;
import io.pidspawn.testkit.Helper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every escape a sandbox must stop, each tried twice by the same helper: once confined, where it
 * must fail, and once without the rule, where it must succeed (so the failure is the sandbox's).
 */
@ExtendWith(LeakGuard.class)
class SandboxTest {
    @TempDir
    Path tmp;
    Path rw;
    Path outside;

    @BeforeAll
    static void landlockAndSeccomp() {
        if (Landlock.kernelAbi() < 6) {
            System.out.println("SKIP: Landlock ABI " + Landlock.kernelAbi() + " (these tests need 6: scopes)");
        }
        Assumptions.assumeTrue(Landlock.kernelAbi() >= 6, "needs Landlock ABI 6");
    }

    @BeforeEach
    void dirs() throws Exception {
        rw = Files.createDirectory(tmp.resolve("rw"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "precious");
        Files.writeString(rw.resolve("mine"), "mine");
    }

    /** The system read-only, {@link #rw} read-write. */
    private Sandbox writeSandbox() {
        return Sandbox.builder().readOnly(Path.of("/")).readWrite(rw).build();
    }

    /** Only what the helper needs to run is readable: the system's libraries and the helper itself. */
    private static Sandbox systemOnly() {
        Sandbox.Builder b = Sandbox.builder();
        for (String p : List.of("/usr", "/lib", "/lib64", "/bin", "/etc")) {
            if (Files.exists(Path.of(p))) {
                b.readOnly(Path.of(p));
            }
        }
        return b.readOnly(Path.of(Helper.path()).getParent()).build();
    }

    /** What the helper printed, confined by the sandbox (or not, for null). */
    static String helper(Sandbox sandbox, String... args) throws Exception {
        Command.Builder b = Command.builder(Helper.path()).args(args);
        if (sandbox != null) {
            b.sandbox(sandbox);
        }
        try (Command c = b.build()) {
            Output o = c.output();
            assertThat(o.status()).as("stderr: %s", o.stderrText()).isEqualTo(ExitStatus.exited(0));
            return o.stdoutText().strip();
        }
    }

    /** Confined: denied with this errno; unconfined: ok. */
    private void deniedOnlyInside(Sandbox sandbox, String errno, String... args) throws Exception {
        assertThat(helper(sandbox, args)).as("confined: %s", List.of(args)).isEqualTo(errno);
        assertThat(helper(null, args)).as("control: %s", List.of(args)).isEqualTo("ok");
    }

    // ---- the filesystem ----

    @Test
    void creatingAFileOutsideTheWritablePathsFails() throws Exception {
        deniedOnlyInside(writeSandbox(), "EACCES", "fs", "create", outside.resolve("new").toString());
        assertThat(helper(writeSandbox(), "fs", "create", rw.resolve("new").toString())).isEqualTo("ok");
    }

    @Test
    void renamingIntoADirectoryOutsideFails() throws Exception {
        String from = rw.resolve("mine").toString();
        String to = outside.resolve("moved").toString();
        assertThat(helper(writeSandbox(), "fs", "rename", from, to)).isIn("EACCES", "EXDEV");
        assertThat(Files.exists(rw.resolve("mine"))).isTrue();
        assertThat(helper(null, "fs", "rename", from, to)).isEqualTo("ok");
    }

    @Test
    void truncatingAFileOutsideFails() throws Exception {
        Path victim = outside.resolve("victim");
        assertThat(helper(writeSandbox(), "fs", "truncate", victim.toString())).isEqualTo("EACCES");
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(helper(null, "fs", "truncate", victim.toString())).isEqualTo("ok");
        assertThat(Files.size(victim)).isZero();
    }

    @Test
    void unlinkingAFileOutsideFails() throws Exception {
        deniedOnlyInside(writeSandbox(), "EACCES", "fs", "unlink", outside.resolve("victim").toString());
    }

    @Test
    void makingADirectoryOutsideFails() throws Exception {
        deniedOnlyInside(writeSandbox(), "EACCES", "fs", "mkdir", outside.resolve("dir").toString());
    }

    @Test
    void aSymlinkInTmpPointingOutsideDoesNotLetAWriteThrough() throws Exception {
        // The private tmp is writable: a link made there (by the sandboxed program itself) to a
        // file outside is followed, and the file it reaches is what Landlock checks.
        Path link = rw.resolve("link");
        assertThat(helper(writeSandbox(), "fs", "symlink", outside.resolve("victim").toString(), link.toString()))
                .isEqualTo("ok");
        assertThat(helper(writeSandbox(), "fs", "create", link.toString())).isEqualTo("EACCES");
        assertThat(Files.readString(outside.resolve("victim"))).isEqualTo("precious");
        assertThat(helper(null, "fs", "create", link.toString())).isEqualTo("ok");
        assertThat(Files.size(outside.resolve("victim"))).isZero();
    }

    @Test
    void readingAPathNotGrantedFails() throws Exception {
        deniedOnlyInside(systemOnly(), "EACCES", "fs", "read", outside.resolve("victim").toString());
        assertThat(helper(systemOnly(), "fs", "read", "/etc/hostname")).isEqualTo("ok");
    }

    @Test
    void executingAProgramOutsideTheAllowedPathsFails() throws Exception {
        Path copy = outside.resolve("true");
        Files.copy(Path.of("/bin/true"), copy);
        copy.toFile().setExecutable(true);
        // exec prints only when it fails; /bin/true itself prints nothing.
        assertThat(helper(systemOnly(), "exec", copy.toString())).isEqualTo("EACCES");
        assertThat(helper(null, "exec", copy.toString())).isEmpty();
        assertThat(helper(systemOnly(), "exec", "/bin/true")).isEmpty();
    }

    @Test
    void executablePathsAreTheOnlyOnesAProgramRunsFrom() throws Exception {
        // A program dropped into the writable work tree: read-write paths allow execution until
        // executable paths are given; then only those do (the system's, and the helper's).
        Path copy = rw.resolve("true");
        Files.copy(Path.of("/bin/true"), copy);
        copy.toFile().setExecutable(true);
        Sandbox.Builder b = Sandbox.builder().readOnly(Path.of("/")).readWrite(rw);
        for (String p : List.of("/usr", "/lib", "/lib64", "/bin")) {
            if (Files.exists(Path.of(p))) {
                b.executable(Path.of(p));
            }
        }
        Sandbox execOnlySystem = b.executable(Path.of(Helper.path()).getParent()).build();
        assertThat(execOnlySystem.executable()).contains(Path.of("/usr"));
        assertThat(helper(execOnlySystem, "exec", copy.toString())).isEqualTo("EACCES");
        assertThat(helper(writeSandbox(), "exec", copy.toString())).isEmpty();
        assertThat(helper(execOnlySystem, "exec", "/bin/true")).isEmpty();
        // Still readable and writable: only execution is taken away.
        assertThat(helper(execOnlySystem, "fs", "read", copy.toString())).isEqualTo("ok");
        assertThat(helper(execOnlySystem, "fs", "create", rw.resolve("new").toString())).isEqualTo("ok");
        // And a program it may run is held to the same rule: sh cannot exec the copy either.
        try (Command sh = Command.builder("/bin/sh").args("-c", "exec " + copy).sandbox(execOnlySystem).build()) {
            Output o = sh.output();
            assertThat(o.status().code()).as("stderr: %s", o.stderrText()).isEqualTo(126);
        }
    }

    @Test
    void theSandboxSurvivesExecChainsAndHoldsForGrandchildren() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        Path target = outside.resolve("from-python");
        String script = "exec /usr/bin/python3 -c 'open(\"" + target + "\", \"w\").write(\"x\")'";
        try (Command sh = Command.builder("/bin/sh").args("-c", script).sandbox(writeSandbox()).build()) {
            Output o = sh.output();
            assertThat(o.status().success()).isFalse();
            assertThat(o.stderrText()).contains("PermissionError");
        }
        assertThat(Files.exists(target)).isFalse();
        // A grandchild proper: sh forks python, which forks sh again.
        String nested = "/usr/bin/python3 -c 'import subprocess; raise SystemExit(subprocess.call([\"/bin/sh\", \"-c\", "
                + "\"echo x > " + target + "\"]))'";
        try (Command sh = Command.builder("/bin/sh").args("-c", nested).sandbox(writeSandbox()).build()) {
            assertThat(sh.output().status().success()).isFalse();
        }
        assertThat(Files.exists(target)).isFalse();
        try (Command sh = Command.builder("/bin/sh").args("-c", nested).build()) {
            assertThat(sh.output().status().success()).isTrue();
        }
        assertThat(Files.exists(target)).isTrue();
    }

    // ---- the network ----

    @Test
    void tcpConnectOnlyToTheAllowedPort() throws Exception {
        try (ServerSocket allowed = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             ServerSocket other = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Sandbox s = Sandbox.builder().allowConnect(allowed.getLocalPort()).build();
            assertThat(helper(s, "connect", Integer.toString(allowed.getLocalPort()))).isEqualTo("ok");
            deniedOnlyInside(s, "EACCES", "connect", Integer.toString(other.getLocalPort()));
        }
    }

    @Test
    void noNetworkLeavesOnlyUnixSockets() throws Exception {
        Sandbox none = Sandbox.builder().denyNetwork().build();
        for (String family : List.of("inet", "inet6", "packet", "netlink")) {
            deniedOnlyInside(none, "EACCES", "socket", family);
        }
        assertThat(helper(none, "socket", "unix")).isEqualTo("ok");
        assertThat(helper(none, "socketpair", "unix")).isEqualTo("ok");
        assertThat(helper(none, "socketpair", "inet")).isEqualTo("EACCES");
    }

    @Test
    void noNetworkDeniesIoUring() throws Exception {
        String control = helper(null, "io_uring");
        if (!control.equals("ok")) {
            System.out.println("SKIP: io_uring_setup fails unconfined too (" + control + ")");
        }
        Assumptions.assumeTrue(control.equals("ok"), "io_uring_setup works here");
        assertThat(helper(Sandbox.builder().denyNetwork().build(), "io_uring")).isEqualTo("EPERM");
    }

    // ---- scopes ----

    @Test
    void theSignalScopeStopsKillOutsideTheSandbox() throws Exception {
        try (Command sleep = Command.builder(Helper.path()).args("sleep", "30").build();
             Child outsider = sleep.spawn()) {
            Sandbox s = Sandbox.builder().scope(Sandbox.Scope.SIGNAL).build();
            deniedOnlyInside(s, "EPERM", "kill", Integer.toString(outsider.pid()), "0");
            // A process inside the sandbox may still signal itself.
            assertThat(helper(s, "kill", "0", "0")).isEqualTo("ok");
            outsider.kill();
            outsider.waitFor();
        }
    }

    @Test
    void theAbstractUnixScopeStopsConnectingOutside() throws Exception {
        String name = "pidspawn-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (Command listen = Command.builder(Helper.path()).args("listen-abstract", name).build();
             Child listener = listen.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
            BufferedReader r = new BufferedReader(new InputStreamReader(listener.stdout(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("ok");
            Sandbox s = Sandbox.builder().scope(Sandbox.Scope.ABSTRACT_UNIX_SOCKET).build();
            deniedOnlyInside(s, "EPERM", "connect-abstract", name);
            listener.kill();
            listener.waitFor();
        }
    }

    // ---- seccomp ----

    @Test
    void aDeniedSyscallFailsWithEperm() throws Exception {
        Sandbox s = Sandbox.builder().denySyscalls("mkdirat", "mkdir").build();
        deniedOnlyInside(s, "EPERM", "fs", "mkdir", rw.resolve("d").toString());
    }

    // ---- many spawns, many threads ----

    @Test
    void tenThousandSandboxedSpawnsLeaveNoFdBehind() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("fs", "create", outside.resolve("x").toString())
                .sandbox(writeSandbox()).build()) {
            assertThat(c.output().stdoutText().strip()).isEqualTo("EACCES");
            Set<Integer> before = Helper.openFds();
            for (int i = 0; i < 10_000; i++) {
                try (Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.discard()))) {
                    assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
                }
            }
            // No growth: the JVM itself may close one fd and open another meanwhile (seen once under load),
            // so the count is what is compared, with every fd the library held before still open.
            Set<Integer> after = Helper.openFds();
            assertThat(after.size()).as("fds after 10,000 sandboxed spawns: %s, before: %s", after, before)
                    .isLessThanOrEqualTo(before.size());
            assertThat(c.output().stdoutText().strip()).isEqualTo("EACCES");
        }
        assertThat(Files.exists(outside.resolve("x"))).isFalse();
    }

    @Test
    void theRulesHoldInEveryChildOfSixtyFourThreadsSpawningAtOnce() throws Exception {
        int threads = 64;
        ConcurrentLinkedQueue<String> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        try (Command c = Command.builder(Helper.path()).sandbox(writeSandbox()).build()) {
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String target = outside.resolve("t" + t).toString();
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < 5; i++) {
                            results.add(c.output(SpawnOverrides.none().withArgs("fs", "create", target), Capture.defaults())
                                    .stdoutText().strip());
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            start.countDown();
            for (Thread t : all) {
                t.join();
            }
        }
        assertThat(failures).isEmpty();
        assertThat(results).hasSize(threads * 5).containsOnly("EACCES");
        try (var files = Files.list(outside)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("victim");
        }
    }
}
