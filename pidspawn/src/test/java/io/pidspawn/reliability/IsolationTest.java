package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Uapi;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No child sees another child's fds or the application's: 64 threads spawn at the same moment,
 * each child with its own pipe on stdout and one extra mapped fd, while the application holds
 * fds opened without close-on-exec. Each child lists its fds: exactly 0, 1, 2 and its mapping.
 */
@ExtendWith(LeakGuard.class)
class IsolationTest {
    private static final int THREADS = 64;
    private static final int ROUNDS = 5;

    @Test
    void sixtyFourThreadsSpawningAtOnceEachChildSeesOnlyItsOwnFds() throws Exception {
        List<Integer> inheritable = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inheritable.add(Uapi.openInheritable("/dev/null")); // no O_CLOEXEC: must still not reach a child
        }
        int b = Uapi.helper("fds", ";", "read-fd", "7");
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int r = 0; r < ROUNDS; r++) {
                            start.await();
                            int[] extra = Uapi.pipe();
                            try {
                                String token = "thread-" + id + "-round-" + r;
                                Uapi.write(extra[1], token);
                                Libc.close(extra[1]);
                                extra[1] = -1;
                                Uapi.Result res = Uapi.capture(b, RunArgs.of(SpawnAction.dup2(extra[0], 7)));
                                if (!res.out().equals("0 1 2 7\n" + token) || !res.status().success()) {
                                    wrong.add(token + ": " + res.out() + " " + res.status());
                                }
                            } finally {
                                Libc.close(extra[0]);
                                if (extra[1] >= 0) {
                                    Libc.close(extra[1]);
                                }
                            }
                        }
                    } catch (Exception e) {
                        wrong.add(e.toString());
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(wrong).isEmpty();
        } finally {
            close(b);
            inheritable.forEach(Libc::close);
        }
    }
}
