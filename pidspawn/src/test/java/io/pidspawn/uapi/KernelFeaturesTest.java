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
}
