package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** output(): no thread per child, no deadlock, exact bytes, timeouts, limits, virtual threads. */
@ExtendWith(LeakGuard.class)
class OutputTest {
    @TempDir
    Path tmp;

    private static Command helper(String... args) throws ErrnoException {
        return Command.builder(Helper.path()).args(args).build();
    }

    @Test
    void sixtyFourMibOnStdoutAndStderrAtOnce() throws Exception {
        int n = 64 << 20;
        try (Command c = helper("fill-both", Integer.toString(n))) {
            long start = System.nanoTime();
            Output o = c.output(Capture.defaults().withTimeout(Duration.ofSeconds(60)));
            System.out.printf("OutputTest: 2 x 64 MiB captured in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            assertThat(o.status()).isEqualTo(ExitStatus.exited(0));
            assertThat(o.timedOut()).isFalse();
            assertThat(o.stdout()).hasSize(n);
            assertThat(o.stderr()).hasSize(n);
            for (int i = 0; i < n; i++) {
                if (o.stdout()[i] != (byte) (i * 3L % 251) || o.stderr()[i] != (byte) (i * 7L % 251)) {
                    throw new AssertionError("byte " + i + " differs: stdout " + o.stdout()[i] + ", stderr " + o.stderr()[i]);
                }
            }
        }
    }

    @Test
    void twoHundredChildrenCapturedConcurrentlyEachExact() throws Exception {
        int children = 200;
        try (Command c = helper("fill");
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Output>> outputs = new ArrayList<>();
            for (int i = 0; i < children; i++) {
                // Each writes more than a pipe holds, so every one needs its pipe drained while it runs.
                List<String> args = List.of(Integer.toString(100_000 + i * 997), Integer.toString(i), ";", "err", "child " + i);
                outputs.add(threads.submit(() -> c.output(SpawnOverrides.none().withArgs(args), Capture.defaults())));
            }
            for (int i = 0; i < children; i++) {
                Output o = outputs.get(i).get();
                assertThat(o.status()).isEqualTo(ExitStatus.exited(0));
                assertThat(o.stdout()).hasSize(100_000 + i * 997);
                byte expected = (byte) i;
                for (byte b : o.stdout()) {
                    if (b != expected) {
                        throw new AssertionError("child " + i + " got byte " + b);
                    }
                }
                assertThat(o.stderrText()).isEqualTo("child " + i + "\n");
            }
        }
    }

    @Test
    void virtualThreadsWaitWithoutHoldingTheirCarriers() throws Exception {
        // 200 outputs of a 0.5 s child: with waits blocking in native code, two carriers would
        // take some 50 s; parked on futures, all 200 wait at once.
        int tasks = 200;
        long start = System.nanoTime();
        try (Command c = helper("sleep", "0.5", ";", "out");
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Output>> outputs = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                String tag = "vt " + i;
                outputs.add(threads.submit(() -> c.output(SpawnOverrides.none().withArgs(tag), Capture.defaults())));
            }
            for (int i = 0; i < tasks; i++) {
                assertThat(outputs.get(i).get().stdoutText()).isEqualTo("vt " + i + "\n");
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("OutputTest: %d virtual threads, each output() of a 0.5 s child, in %d ms%n", tasks, millis);
        assertThat(millis).isLessThan(20_000);
    }

    @Test
    void timeoutKillsTheChildAndSaysSo() throws Exception {
        try (Command c = helper("out", "before", ";", "sleep", "30")) {
            long start = System.nanoTime();
            Output o = c.output(Capture.defaults().withTimeout(Duration.ofMillis(300)));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(o.timedOut()).isTrue();
            assertThat(o.success()).isFalse();
            assertThat(o.status()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            assertThat(o.toString()).contains("killed by SIGKILL").contains("timed out");
        }
    }

    @Test
    void childOutputWithTimeout() throws Exception {
        try (Command c = helper("sleep", "30"); Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
            Output o = child.output(Capture.defaults().withTimeout(Duration.ofMillis(200)));
            assertThat(o.timedOut()).isTrue();
            assertThat(o.status()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
        }
    }

    @Test
    void limitKillsTheChildAndKeepsTheFirstBytes() throws Exception {
        try (Command c = helper("fill", "10000000", "65")) {
            Output o = c.output(Capture.defaults().withLimit(100_000));
            assertThat(o.limitExceeded()).isTrue();
            assertThat(o.stdout()).hasSize(100_000).containsOnly(65);
            assertThat(o.status()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            assertThat(o.toString()).contains("limit exceeded");
        }
    }

    /** Sizes around the capture's chunk boundaries (16 KiB doubling) and the pipe growth past 1 MiB. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 16_383, 16_384, 16_385, 49_152, 1 << 20, (1 << 20) + 1, 5_000_001})
    void everySizeIsCapturedExactlyAndTheLimitIsExact(int n) throws Exception {
        try (Command c = helper("fill-both", Integer.toString(n))) {
            Output whole = c.output(Capture.defaults().withLimit(n));
            assertThat(whole.limitExceeded()).as("%d bytes against a limit of %d", n, n).isFalse();
            assertThat(whole.status()).isEqualTo(ExitStatus.exited(0));
            assertPattern(whole.stdout(), n, 3);
            assertPattern(whole.stderr(), n, 7);
            if (n > 0) {
                Output cut = c.output(Capture.defaults().withLimit(n - 1));
                assertThat(cut.limitExceeded()).as("%d bytes against a limit of %d", n, n - 1).isTrue();
                // The first stream past the limit ends the child, so the other may hold less.
                assertThat(Math.max(cut.stdout().length, cut.stderr().length)).isEqualTo(n - 1);
                assertPattern(cut.stdout(), cut.stdout().length, 3);
                assertPattern(cut.stderr(), cut.stderr().length, 7);
            }
        }
    }

    private static void assertPattern(byte[] bytes, int n, int step) {
        assertThat(bytes).hasSize(n);
        for (int i = 0; i < n; i++) {
            if (bytes[i] != (byte) (i * (long) step % 251)) {
                throw new AssertionError("byte " + i + " of " + n + " is " + bytes[i]);
            }
        }
    }

    @Test
    void inputIsFedWhileOutputIsRead() throws Exception {
        byte[] input = new byte[4 << 20]; // far more than a pipe holds, both ways
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) (i * 13 % 241);
        }
        try (Command cat = helper("cat")) {
            Output o = cat.output(Capture.defaults().withInput(input));
            assertThat(o.status()).isEqualTo(ExitStatus.exited(0));
            assertThat(o.stdout()).isEqualTo(input);
        }
    }

    @Test
    void inputFromAFile() throws Exception {
        Path in = Files.writeString(tmp.resolve("in"), "file input\n");
        try (Command cat = helper("cat")) {
            assertThat(cat.output(Capture.defaults().withInput(in)).stdoutText()).isEqualTo("file input\n");
        }
    }

    @Test
    void childThatStopsReadingIsNotAnError() throws Exception {
        try (Command c = helper("out", "done")) {
            Output o = c.output(Capture.defaults().withInput(new byte[1 << 20])); // never read: EPIPE
            assertThat(o.success()).isTrue();
            assertThat(o.stdoutText()).isEqualTo("done\n");
        }
    }

    @Test
    void stdinIsDevNullByDefaultAndExplicitSettingsWin() throws Exception {
        try (Command cat = helper("cat", ";", "err", "to the file");
                Command toFile = Command.builder(Helper.path()).args("err", "kept").stderr(Stdio.writeTo(tmp.resolve("err"))).build()) {
            assertThat(cat.output().stdout()).isEmpty(); // not this process's stdin
            assertThat(toFile.output().stderr()).isEmpty();
            assertThat(Files.readString(tmp.resolve("err"))).isEqualTo("kept\n");
        }
    }

    @Test
    void inputGivenTwiceIsRefused() throws Exception {
        try (Command cat = helper("cat")) {
            assertThatThrownBy(() -> cat.output(SpawnOverrides.none().withStdin(Stdio.discard()), Capture.defaults().withInput("x")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void outputAsyncCompletesOnTheExitThreadWithNoThreadWaiting() throws Exception {
        try (Command c = helper("fill-both", "300000", ";", "exit", "4")) {
            List<Child> children = new ArrayList<>();
            List<CompletableFuture<String>> threads = new ArrayList<>();
            List<CompletableFuture<Output>> outputs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()).withStderr(Stdio.pipe()));
                children.add(child);
                CompletableFuture<Output> o = child.outputAsync(Capture.defaults());
                outputs.add(o);
                threads.add(o.thenApply(x -> Thread.currentThread().getName()));
            }
            for (int i = 0; i < 20; i++) {
                Output o = outputs.get(i).get(30, TimeUnit.SECONDS);
                assertThat(o.status()).isEqualTo(ExitStatus.exited(4));
                assertThat(o.stdout()).hasSize(300000);
                assertThat(o.stderr()).hasSize(300000);
                assertThat(threads.get(i).get()).isIn("pidspawn-exit", Thread.currentThread().getName());
                assertThatThrownBy(children.get(i)::pidfd).isInstanceOf(IllegalStateException.class); // released as by waitFor
                children.get(i).close();
            }
        }
    }

    @Test
    void outputAsyncTimeoutKillsAndCancelKills() throws Exception {
        try (Command c = helper("write", "1", "before", ";", "sleep", "30")) {
            try (Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
                Output o = child.outputAsync(Capture.defaults().withTimeout(Duration.ofMillis(200))).get(10, TimeUnit.SECONDS);
                assertThat(o.timedOut()).isTrue();
                assertThat(o.status()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
                assertThat(o.stdoutText()).isEqualTo("before\n");
            }
            try (Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
                assertThat(child.outputAsync(Capture.defaults()).cancel(false)).isTrue();
                assertThat(child.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            }
            try (Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
                assertThatThrownBy(() -> child.outputAsync(Capture.defaults().withInput("x")))
                        .isInstanceOf(IllegalArgumentException.class);
                child.kill();
                child.waitFor();
            }
        }
    }

    @Test
    void backgroundProcessHoldingThePipeIsCutOffByTheTimeout() throws Exception {
        // The child exits at once, but its background child keeps stdout open.
        try (Command sh = Command.builder("/bin/sh").args("-c", "echo started; " + Helper.path() + " sleep 30 &").build()) {
            Output o = sh.output(Capture.defaults().withTimeout(Duration.ofMillis(500)));
            assertThat(o.status()).isEqualTo(ExitStatus.exited(0));
            assertThat(o.stdoutText()).isEqualTo("started\n");
            assertThat(o.timedOut()).isTrue();
        }
    }
}
