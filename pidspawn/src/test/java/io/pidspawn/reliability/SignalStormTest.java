package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import io.pidspawn.uapi.Uapi;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Signals arriving while the JVM spawns: another process keeps sending it SIGCHLD, SIGWINCH,
 * SIGURG, SIGCONT and SIGPIPE, and now and then SIGQUIT (a thread dump), during 10,000 spawns.
 * Nothing crashes or hangs, and every child's status is right.
 */
@Tag("slow")
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES) // bounded, but not by the 5-minute default: a busy machine is slow
@ExtendWith(LeakGuard.class)
class SignalStormTest {
    @Test
    void tenThousandSpawnsUnderASignalStorm() throws Exception {
        long jvm = ProcessHandle.current().pid();
        String loop = "i=0; while kill -0 " + jvm + " 2>/dev/null; do"
                + " kill -CHLD " + jvm + "; kill -WINCH " + jvm + "; kill -URG " + jvm + "; kill -CONT " + jvm
                + "; kill -PIPE " + jvm + "; i=$((i+1)); [ $((i % 2000)) -eq 0 ] && kill -QUIT " + jvm + "; done";
        Process storm = new ProcessBuilder("sh", "-c", loop).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        int b = Uapi.helper("exit", "0");
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        try {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < 10_000) {
                        try {
                            Spawned child = pidfd_spawn_run(b, RunArgs.none().withArgv(Helper.argv("exit", Integer.toString(i % 100))));
                            ExitStatus s = pidfd_wait(child.pidfd(), 0);
                            close(child.pidfd());
                            if (!s.equals(ExitStatus.exited(i % 100))) {
                                wrong.add(i + ": " + s);
                            }
                        } catch (Exception e) {
                            wrong.add(i + ": " + e);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(TimeUnit.MINUTES.toMillis(8));
                assertThat(t.isAlive()).as("a spawning thread hung").isFalse();
            }
            assertThat(storm.isAlive()).as("the storm lasted the whole run").isTrue();
            assertThat(wrong).isEmpty();
        } finally {
            storm.destroyForcibly().waitFor();
            close(b);
        }
    }
}
