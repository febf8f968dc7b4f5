package io.pidspawn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What PidspawnProcess does beyond the parity table: its life cycle, its handle, its streams and fds. */
@ExtendWith(LeakGuard.class)
class PidspawnProcessTest {
    private static final String H = Helper.path();

    private static Process start(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = H;
        System.arraycopy(args, 0, cmd, 1, args.length);
        return new PidspawnProcessBuilder(cmd).start();
    }

    @Test
    void lifeCycleAsTheJdkReportsIt() throws Exception {
        Process p = start("sleep", "30");
        assertThat(p.isAlive()).isTrue();
        assertThat(p.supportsNormalTermination()).isTrue();
        assertThatThrownBy(p::exitValue).isInstanceOf(IllegalThreadStateException.class).hasMessage("process hasn't exited");
        assertThat(p.waitFor(50, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(p.waitFor(0, TimeUnit.SECONDS)).isFalse();
        assertThat(p).hasToString("Process[pid=" + p.pid() + ", exitValue=\"not exited\"]");
        assertThat(((PidspawnProcess) p).child().pidfd()).isGreaterThan(2);
        assertThat(p.destroyForcibly()).isSameAs(p);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
        assertThat(p.isAlive()).isFalse();
        assertThat(p).hasToString("Process[pid=" + p.pid() + ", exitValue=137]");
        assertThat(p.waitFor(-1, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void onExitCompletesWithTheProcessOffTheLibrarysThreads() throws Exception {
        Process p = start("exit", "4");
        AtomicReference<String> thread = new AtomicReference<>();
        CompletableFuture<Process> done = p.onExit().whenComplete((x, t) -> thread.set(Thread.currentThread().getName()));
        assertThat(done.get(10, TimeUnit.SECONDS)).isSameAs(p);
        assertThat(p.exitValue()).isEqualTo(4);
        assertThat(thread.get()).doesNotStartWith("pidspawn-");
    }

    @Test
    void theHandleIsTheChildsWhileItRunsAndEmptyAfter() throws Exception {
        Process p = new PidspawnProcessBuilder("/bin/sh", "-c", H + " sleep 30 & echo $!; wait").start();
        int grandchild = Integer.parseInt(new BufferedReader(new InputStreamReader(p.getInputStream())).readLine());
        ProcessHandle h = p.toHandle();
        assertThat(h).isSameAs(p.toHandle()).hasToString(Long.toString(p.pid()));
        assertThat(h.pid()).isEqualTo(p.pid());
        assertThat(h.isAlive()).isTrue();
        assertThat(h.parent()).contains(ProcessHandle.current());
        assertThat(h.info().command()).contains(Path.of("/bin/sh").toRealPath().toString());
        assertThat(p.children().map(ProcessHandle::pid)).containsExactly((long) grandchild);
        assertThat(h).isNotEqualTo(ProcessHandle.of(p.pid()).orElseThrow());
        CompletableFuture<ProcessHandle> exited = h.onExit();

        assertThat(h.destroyForcibly()).isTrue();
        assertThat(exited.get(10, TimeUnit.SECONDS)).isSameAs(h);
        assertThat(p.exitValue()).isEqualTo(137);
        assertThat(h.isAlive()).isFalse();
        assertThat(h.destroy()).as("nothing to signal any more").isFalse();
        assertThat(h.info()).hasToString("[]");
        assertThat(h.parent()).isEmpty();
        assertThat(h.children()).isEmpty();
        killAndAwait(grandchild);
    }

    @Test
    void aProcessWhoseStreamsNobodyClosesHoldsNoFdOnceWaitedFor() throws Exception {
        Set<Integer> before = Helper.openFds();
        Process p = start("out", "unread", ";", "err", "unread too", ";", "sleep", "0.2");
        assertThat(Helper.openFds()).as("three pipe ends and the pidfd").hasSize(before.size() + 4);
        assertThat(p.waitFor()).isZero();
        assertThat(Helper.openFds()).isEqualTo(before);
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("unread\n");
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("unread too\n");
    }

    @Test
    void stdinAfterExitIsClosed() throws Exception {
        // The JDK answers "Stream closed" or "Broken pipe" here, depending on whether its reaper
        // thread has closed the pipe yet; waitFor returns only after pidspawn's has.
        Process p = start("exit", "0");
        p.waitFor();
        OutputStream in = p.getOutputStream();
        in.write('x');
        assertThatThrownBy(in::flush).isInstanceOf(IOException.class).hasMessage("Stream closed");
    }

    @Test
    void theExitEndsAReadEvenWhileAGrandchildHoldsThePipe() throws Exception {
        // As the JDK's: at the exit, what is in the pipe is kept and the pipe closed, so a reader
        // waiting on it sees that output and end of file, not the grandchild's open write end.
        Process p = new PidspawnProcessBuilder("/bin/sh", "-c", H + " sleep 30 & echo $! >&2; echo last words").start();
        int grandchild = Integer.parseInt(new BufferedReader(new InputStreamReader(p.getErrorStream())).readLine());
        try {
            CompletableFuture<byte[]> all = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(p.waitFor()).isZero();
            assertThat(new String(all.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("last words\n");
        } finally {
            killAndAwait(grandchild);
        }
    }

    @Test
    void readsIgnoreInterruptsAsTheJdksDo() throws Exception {
        Process p = start("err", "ready", ";", "sleep", "0.3", ";", "out", "done");
        new BufferedReader(new InputStreamReader(p.getErrorStream())).readLine();
        AtomicReference<String> seen = new AtomicReference<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                InputStream in = p.getInputStream();
                String got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                seen.set(got + "|interrupted=" + Thread.currentThread().isInterrupted());
            } catch (IOException e) {
                seen.set(e.toString());
            }
        });
        Thread.sleep(50);
        reader.interrupt();
        reader.join(10_000);
        assertThat(seen.get()).isEqualTo("done\n|interrupted=true");
        assertThat(p.waitFor()).isZero();
    }

    @Test
    void theChildIgnoresWhatThisProcessIgnoresAndNothingMore() throws Exception {
        // A documented difference: the JDK's children also start with glibc's internal signals 32
        // and 33 ignored (its posix_spawn sets them so, and exec keeps it).
        long ours = ignoredSignals(start("status", "SigIgn"));
        long jdk = ignoredSignals(new ProcessBuilder(H, "status", "SigIgn").start());
        long self = Long.parseUnsignedLong(Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim(), 16);
        assertThat(ours).isEqualTo(self);
        assertThat(jdk).isEqualTo(self | (1L << 31) | (1L << 32));
    }

    private static long ignoredSignals(Process p) throws Exception {
        String mask = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).isZero();
        return Long.parseUnsignedLong(mask, 16);
    }

    @Test
    void availableCountsWhatIsThere() throws Exception {
        Process p = start("out", "ready", ";", "sleep", "30");
        // stdout is a pipe, so the helper's printf flushes only at exit: nothing yet
        assertThat(p.getInputStream().available()).isZero();
        p.destroy();
        assertThat(p.waitFor()).isEqualTo(143);
        assertThatThrownBy(() -> p.getInputStream().available()).hasMessage("Stream closed"); // destroy closed it
        Process q = start("err", "ready");
        q.waitFor();
        assertThat(q.getErrorStream().available()).isEqualTo("ready\n".length());
    }

    @Test
    void startPipelineJoinsTheStagesChildToChild() throws Exception {
        long before = Helper.bytesReadByThreads();
        List<Process> ps = PidspawnProcessBuilder.startPipeline(List.of(new PidspawnProcessBuilder("head", "-c", "1073741824", "/dev/zero"),
                new PidspawnProcessBuilder(H, "cat"), new PidspawnProcessBuilder("wc", "-c")));
        assertThat(new String(ps.getLast().getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim()).isEqualTo("1073741824");
        for (Process p : ps) {
            assertThat(p.waitFor()).isZero();
        }
        // a gibibyte went from stage to stage; this JVM read its class files and /proc, far less
        assertThat(Helper.bytesReadByThreads() - before).isLessThan(64L << 20);

        List<Process> held = PidspawnProcessBuilder.startPipeline(List.of(new PidspawnProcessBuilder(H, "sleep", "30"),
                new PidspawnProcessBuilder(H, "cat"), new PidspawnProcessBuilder(H, "cat")));
        try {
            List<String> pipes = new ArrayList<>();
            for (Process p : held) {
                Path fd = Path.of("/proc/" + p.pid() + "/fd");
                List<String> open;
                // once its program runs: the dynamic loader holds libc open a moment; a stray pipe end stays
                for (long deadline = System.nanoTime() + 10_000_000_000L; ; Thread.sleep(10)) {
                    try (Stream<Path> list = Files.list(fd)) {
                        open = list.map(f -> f.getFileName().toString()).sorted().toList();
                    }
                    if (open.size() == 3 || System.nanoTime() > deadline) {
                        break;
                    }
                }
                assertThat(open).containsExactly("0", "1", "2");
                pipes.add(Files.readSymbolicLink(fd.resolve("0")) + " " + Files.readSymbolicLink(fd.resolve("1")));
            }
            assertThat(pipes.get(0).split(" ")[1]).isEqualTo(pipes.get(1).split(" ")[0]);
            assertThat(pipes.get(1).split(" ")[1]).isEqualTo(pipes.get(2).split(" ")[0]);
            held.getFirst().destroyForcibly(); // the others see end of file: no stray write end anywhere
            assertThat(held.getLast().getInputStream().readAllBytes()).isEmpty();
            assertThat(held.get(0).waitFor()).isEqualTo(137);
            assertThat(held.get(1).waitFor()).isZero();
            assertThat(held.get(2).waitFor()).isZero();
        } finally {
            for (Process p : held) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /** Kills a grandchild (not ours to wait for) and waits until it is dead or a zombie of its new parent. */
    private static void killAndAwait(int pid) throws Exception {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            String stat;
            try {
                stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            } catch (java.nio.file.NoSuchFileException gone) {
                return;
            }
            if (stat.charAt(stat.lastIndexOf(')') + 2) == 'Z') {
                return;
            }
            assertThat(System.nanoTime()).as("pid %d still runs", pid).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
