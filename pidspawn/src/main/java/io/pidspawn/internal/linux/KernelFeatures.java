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
