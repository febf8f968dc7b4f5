package io.pidspawn.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.KernelFeatures;
import io.pidspawn.internal.linux.Libc;
import org.junit.jupiter.api.Test;

/** The probes tell a present feature from a missing one by calling it. */
class KernelFeaturesTest {
    @Test
    void everyRequiredFeatureIsPresentOnTheKernelsWeSupport() {
        for (KernelFeatures.Feature f : KernelFeatures.required()) {
            assertThat(f.present()).as("%s: %s", f.name(), Errno.describe(f.errno())).isTrue();
        }
    }

    @Test
    void theCloseRangeProbeRejectsAnUnknownFlagAsAMissingFeatureWould() {
        // The same probe with a flag no kernel has must come back EINVAL, or it could not tell.
        assertThat(Libc.closeRangeProbe(1 << 30)).isEqualTo(-Errno.EINVAL);
        assertThat(Libc.closeRangeProbe(Libc.CLOSE_RANGE_CLOEXEC)).isZero();
    }

    @Test
    void theCloneFlagProbeTellsAKnownFlagFromAnUnknownOneWithoutCreatingAChild() {
        // CLONE_CLEAR_SIGHAND (5.5) is known here: the kernel gets to the cgroup fd and says EBADF.
        assertThat(Libc.clone3FlagProbe(0x100000000L)).isEqualTo(-Errno.EBADF);
        // Bit 40 is no flag of any kernel.
        assertThat(Libc.clone3FlagProbe(1L << 40)).isEqualTo(-Errno.EINVAL);
        for (KernelFeatures.Feature f : KernelFeatures.lifecycleFlags()) {
            System.out.println("KernelFeaturesTest: " + f.name() + " (Linux " + f.since() + "): "
                    + (f.present() ? "present" : "absent, " + Errno.describe(f.errno())));
            // Present exactly when the kernel accepts the flag: EBADF then, EINVAL on an older kernel.
            assertThat(f.errno()).isIn(0, Errno.EINVAL);
        }
    }
}
