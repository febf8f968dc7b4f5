package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.KernelFeatures;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;

/**
 * A few fds held for posix_spawn to spend when the fd table is full. glibc's posix_spawn needs
 * no fd at all; a spawn here needs a few for its duration (the builder, the pinned executable,
 * the trampoline's first load) and one that stays (the child's pidfd). When a spawn fails with
 * EMFILE, the reserve is closed, the spawn made again in the room it leaves, and the reserve
 * opened again after: the one fd the pidfd keeps is the caller's to give back by closing it.
 *
 * <p>The reserve is {@value #SIZE} fds on /dev/null, close-on-exec, in the long-lived range
 * (see {@link LongLivedFds}), taken when posix_spawn is first used (see {@link #prepare()}).
 */
public final class FdReserve {
    static final int SIZE = 8;
    private static final int[] HELD = {-1, -1, -1, -1, -1, -1, -1, -1};
    private static volatile boolean full;

    private FdReserve() {}

    /**
     * Makes now what a first spawn would otherwise need fds for (the kernel probes, the
     * trampoline's load) and fills the reserve. A failure here is left for the first spawn to
     * report, with its errno, and to try again.
     */
    public static void prepare() {
        try {
            KernelFeatures.required();
            Trampoline.handle();
        } catch (RuntimeException | LinkageError e) {
            // reported by the first spawn, which loads again
        }
        fill();
    }

    /** Opens what is missing of the reserve, as far as fds allow. */
    public static void fill() {
        if (!full) {
            refill();
        }
    }

    private static synchronized void refill() {
        boolean all = true;
        for (int i = 0; i < SIZE; i++) {
            if (HELD[i] < 0) {
                HELD[i] = LongLivedFds.moveInternal(Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
                all &= HELD[i] >= 0;
            }
        }
        full = all;
    }

    /**
     * Closes the reserve, for one spawn to use the room. The caller holds this class's monitor
     * from here until its {@link #fill()} after the spawn, so one spawn borrows at a time. (No
     * lambda here: with the table full, loading a class file could itself fail with EMFILE.)
     */
    public static synchronized void lend() {
        full = false;
        for (int i = 0; i < SIZE; i++) {
            if (HELD[i] >= 0) {
                LongLivedFds.closeInternal(HELD[i]);
                HELD[i] = -1;
            }
        }
    }
}
