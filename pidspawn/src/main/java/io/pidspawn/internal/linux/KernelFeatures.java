package io.pidspawn.internal.linux;

import io.pidspawn.Errno;

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

    private static final class Probed {
        static final Feature CLONE3 = probeClone3();
        static final Feature PIDFD_OPEN = probePidfdOpen();
        static final Feature CLOSE_RANGE_CLOEXEC = probeCloseRange();
    }

    /** The features pidspawn cannot spawn without. */
    public static Feature[] required() {
        return new Feature[] {Probed.CLONE3, Probed.PIDFD_OPEN, Probed.CLOSE_RANGE_CLOEXEC};
    }

    /** Throws unless every required feature is present. */
    public static void require() {
        for (Feature f : required()) {
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
