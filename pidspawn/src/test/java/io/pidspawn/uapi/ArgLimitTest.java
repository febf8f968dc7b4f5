package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pidspawn.Errno;
import io.pidspawn.ExitStatus;
import io.pidspawn.LeakGuard;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.spawn.Registry;
import io.pidspawn.testkit.Helper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The parent refuses exactly what exec refuses. For each RLIMIT_STACK regime (the floor of 32
 * pages, a quarter of the limit, the 6 MiB cap, and this process's own limit) the kernel itself
 * finds the largest argument list it runs (the parent's check off), and the check must agree at
 * that size, one byte less and one byte more. The JDK's ProcessBuilder is a second oracle.
 */
@ExtendWith(LeakGuard.class)
class ArgLimitTest {
    private static final int FILLER = 60_000;
    private static final List<String> ENVP = List.of("A=1");

    @AfterEach
    void checkOn() {
        Registry.skipArgLimitCheck(false);
    }

    @Test
    void theFloorOf32Pages() throws Exception {
        // A quarter of 384 KiB is 96 KiB, below the floor: 128 KiB.
        boundaryAgrees("393216", 128 * 1024);
    }

    @Test
    void aQuarterOfTheStackLimit() throws Exception {
        boundaryAgrees("1048576", 256 * 1024);
    }

    @Test
    void theCapOfThreeQuartersOfSTK_LIM() throws Exception {
        boundaryAgrees("unlimited", 6 * 1024 * 1024);
        boundaryAgrees("40000000", 6 * 1024 * 1024);
    }

    @Test
    void thisProcesssOwnStackLimitAndTheJdkAgree() throws Exception {
        long soft = io.pidspawn.internal.linux.Libc.getrlimitSoft(3);
        long space = soft == -1 ? 6 << 20 : Math.max(Math.min(6 << 20, soft / 4), 128 * 1024);
        int last = boundaryAgrees(null, space);
        // ProcessBuilder's exec (from jspawnhelper) names the program by its path, not /dev/fd/N:
        // the same strings fit with the difference in filename length taken off the last one.
        int fd = lastFilenameDigits;
        int shift = (Helper.path().length() + 1) - ("/dev/fd/".length() + fd + 1);
        assertThat(jdkRuns(last - shift)).as("ProcessBuilder at the kernel's limit").isTrue();
        assertThat(jdkRuns(last - shift + 1)).as("ProcessBuilder one byte over").isFalse();
    }

    private int lastFilenameDigits;

    /**
     * Finds, with exec deciding, the longest last argument that runs under this stack limit;
     * checks that the space it used is the expected one less the exec filename, and that the
     * parent's check runs -1 and 0 and refuses +1 with E2BIG before any child exists.
     */
    private int boundaryAgrees(String stackSoft, long expectedSpace) throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            if (stackSoft != null) {
                pidfd_config(b, PIDFD_CONFIG_SET_STRING, "rlimit.STACK", stackSoft, 0);
            }
            List<String> fixed = List.of(Helper.path(), "exit", "0");
            int fillers = (int) ((expectedSpace - bytes(fixed) - 8 * (fixed.size() + 2) - 60_000) / (FILLER + 1 + 8));
            List<String> head = new ArrayList<>(fixed);
            head.addAll(Collections.nCopies(fillers, "x".repeat(FILLER)));
            long used = bytes(head) + bytes(ENVP) + 8L * (head.size() + 1 + ENVP.size()); // pointers, the last string's too

            Registry.skipArgLimitCheck(true);
            int lo = 0, hi = 131_071; // the last string's length: lo runs, hi does not
            assertThat(outcome(b, head, lo)).isNull();
            assertThat(outcome(b, head, hi)).isNotNull();
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (outcome(b, head, mid) == null) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            SpawnException kernel = outcome(b, head, lo + 1);
            assertThat(kernel.step()).isEqualTo(SpawnStep.EXEC);
            assertThat(kernel.errno()).isEqualTo(Errno.E2BIG);
            // What is left at the limit is the exec filename, "/dev/fd/N" and its NUL.
            long filename = expectedSpace - (used + lo + 1);
            assertThat(filename).as("bytes left for the exec filename").isBetween(10L, 14L);
            lastFilenameDigits = (int) filename - "/dev/fd/".length() - 1;

            Registry.skipArgLimitCheck(false);
            assertThat(outcome(b, head, lo - 1)).as("one byte under the limit").isNull();
            assertThat(outcome(b, head, lo)).as("at the limit").isNull();
            SpawnException refused = outcome(b, head, lo + 1);
            assertThat(refused).as("one byte over the limit").isNotNull();
            assertThat(refused.step()).isEqualTo(SpawnStep.PREPARE);
            assertThat(refused.errno()).isEqualTo(Errno.E2BIG);
            assertThat(refused.getMessage()).contains("of " + expectedSpace + " ");
            return lo;
        } finally {
            close(b);
        }
    }

    /**
     * null if exec took these arguments plus a last one of n bytes, else why not. Exec taking
     * them is what counts: with a small stack limit the program may then die for want of stack.
     */
    private static SpawnException outcome(int b, List<String> head, int n) throws Exception {
        List<String> argv = new ArrayList<>(head);
        argv.add("y".repeat(n));
        try {
            Spawned child = pidfd_spawn_run(b, new RunArgs(argv, ENVP, List.of()));
            ExitStatus status = Uapi.waitAndClose(child);
            assertThat(status.success() || status.signal() == 11).as("%s", status).isTrue();
            return null;
        } catch (SpawnException e) {
            return e;
        }
    }

    private boolean jdkRuns(int n) throws Exception {
        long soft = io.pidspawn.internal.linux.Libc.getrlimitSoft(3);
        long space = soft == -1 ? 6 << 20 : Math.max(Math.min(6 << 20, soft / 4), 128 * 1024);
        List<String> fixed = List.of(Helper.path(), "exit", "0");
        int fillers = (int) ((space - bytes(fixed) - 8 * (fixed.size() + 2) - 60_000) / (FILLER + 1 + 8));
        List<String> argv = new ArrayList<>(fixed);
        argv.addAll(Collections.nCopies(fillers, "x".repeat(FILLER)));
        argv.add("y".repeat(n));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().put("A", "1");
        try {
            return pb.start().waitFor() == 0;
        } catch (java.io.IOException e) {
            assertThat(e.getMessage()).contains("Argument list too long");
            return false;
        }
    }

    private static long bytes(List<String> strings) {
        long n = 0;
        for (String s : strings) {
            n += s.length() + 1;
        }
        return n;
    }
}
