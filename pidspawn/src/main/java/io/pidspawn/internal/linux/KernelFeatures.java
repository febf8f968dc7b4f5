package io.pidspawn.internal.linux;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;

/**
 * The kernel features every spawn needs, probed once by calling them (never by parsing uname).
 * A missing one is an {@link UnsupportedOperationException} naming the feature, the kernel
 * version that added it and the errno the probe got.
 */
public final class KernelFeatures {
    private KernelFeatures() {}

    /** A probed feature: its name, the Linux version that added it, and the probe's errno (0: present). */
    public record Feature(String name, String since, int errno, String without) {
        public boolean present() {
            return errno == 0;
        }
    }

    /** The answer once every probe has one; null until then (a probe short of fds has none). */
    private static volatile Feature[] probed;

    /**
     * The features pidspawn cannot spawn without. A probe that failed for want of a free fd
     * (EMFILE, ENFILE) reports that errno and is made again on the next call.
     */
    public static Feature[] required() {
        Feature[] p = probed;
        if (p != null) {
            return p.clone();
        }
        Feature[] now = {probeClone3(), probePidfdOpen(), probeCloseRange()};
        for (Feature f : now) {
            if (f.errno() == Errno.EMFILE || f.errno() == Errno.ENFILE) {
                return now;
            }
        }
        probed = now;
        return now.clone();
    }

    /**
     * Throws unless every required feature is present: ErrnoException EMFILE or ENFILE when a
     * probe could not be made for want of a fd (the next call probes again), else
     * UnsupportedOperationException naming the missing feature.
     */
    public static void require() throws ErrnoException {
        for (Feature f : required()) {
            if (f.errno() == Errno.EMFILE || f.errno() == Errno.ENFILE) {
                throw new ErrnoException("pidfd_spawn_open", f.errno(), "no free fd to probe " + f.name());
            }
            if (!f.present()) {
                throw new UnsupportedOperationException("pidspawn needs " + f.name() + " (Linux " + f.since()
                        + "); this kernel answered the probe with " + Errno.describe(f.errno()));
            }
        }
    }

    // linux/sched.h, since 7.1
    public static final long CLONE_AUTOREAP = 1L << 34, CLONE_NNP = 1L << 35, CLONE_PIDFD_AUTOKILL = 1L << 36;
    private static final long CLONE_PIDFD = 0x1000L;

    /**
     * Linux 7.1's clone3 lifecycle flags, probed by {@link Libc#clone3FlagProbe} (present when the
     * kernel gets past the flags to the cgroup fd: EBADF). pidspawn reports them; it does not use
     * CLONE_PIDFD_AUTOKILL, which needs CLONE_AUTOREAP, and an auto-reaped child has no waitid and
     * so no rusage: a child that must die with its owner gets PR_SET_PDEATHSIG and its tree the
     * die-with-parent watcher instead.
     */
    public static Feature[] lifecycleFlags() {
        return new Feature[] {
            lifecycle("CLONE_AUTOREAP", CLONE_AUTOREAP, "children are reaped by pidspawn (waitid, with rusage)"),
            lifecycle("CLONE_NNP", CLONE_NNP, "no_new_privs is set by a prctl step in the child"),
            lifecycle("CLONE_PIDFD_AUTOKILL", CLONE_PIDFD_AUTOKILL | CLONE_AUTOREAP | CLONE_NNP | CLONE_PIDFD,
                    "dieWithParent: PR_SET_PDEATHSIG for the child, the watcher process for its tree")};
    }

    private static Feature lifecycle(String name, long flags, String without) {
        int r = Libc.clone3FlagProbe(flags);
        return new Feature(name, "7.1", r == -Errno.EBADF ? 0 : -r, without);
    }

    private static Feature probeClone3() {
        int r = Libc.clone3Probe();
        return new Feature("clone3 with CLONE_PIDFD", "5.3", r == -Errno.EINVAL ? 0 : -r, "cannot spawn");
    }

    private static Feature probePidfdOpen() {
        int fd = Libc.pidfdOpen(Libc.getpid(), 0);
        if (fd >= 0) {
            Libc.close(fd);
        }
        return new Feature("pidfd_open", "5.3", fd >= 0 ? 0 : -fd, "cannot spawn");
    }

    private static Feature probeCloseRange() {
        int r = Libc.closeRangeProbe(Libc.CLOSE_RANGE_CLOEXEC);
        return new Feature("close_range with CLOSE_RANGE_CLOEXEC", "5.11", r < 0 ? -r : 0, "cannot close fds by default");
    }
}
