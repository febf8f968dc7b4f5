package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code run --exec PATH}: once given, programs may be executed only from those paths (Landlock's
 * execute right), while {@code --ro} and {@code --rw} paths stay readable; a refused path is
 * told as the option that gave it.
 */
class RunExecPathsTest {
    @BeforeEach
    void landlock() {
        assumeTrue(io.pidspawn.internal.spawn.Landlock.kernelAbi() >= 1, "needs Landlock");
    }

    /** Where cat really lives: /usr on a merged-/usr system, /bin on others (and the loader's directory with it). */
    private static String catsTree() throws Exception {
        return Path.of("/bin/cat").toRealPath().getParent().getParent().toString();
    }

    @Test
    void onlyTheExecPathsMayBeExecuted() throws Exception {
        Cli.Result control = Cli.run("run", "--ro", "/", "--", "/bin/cat", "/etc/hostname");
        assertThat(control.exit()).as(control.err()).isZero();
        Cli.Result outside = Cli.run("run", "--ro", "/", "--exec", "/etc", "--", "/bin/cat", "/etc/hostname");
        assertThat(outside.exit()).as(outside.err()).isEqualTo(126);
        assertThat(outside.err()).contains("EACCES");
        Cli.Result inside = Cli.run("run", "--ro", "/", "--exec", catsTree(), "--", "/bin/cat", "/etc/hostname");
        assertThat(inside.exit()).as(inside.err()).isZero();
        assertThat(inside.out()).isEqualTo(control.out());
    }

    @Test
    void theExecPathsHoldForWhatTheProgramStarts() throws Exception {
        // sh may run (it is under cat's tree too), but the helper it starts lives elsewhere.
        String helper = io.pidspawn.testkit.Helper.path();
        Cli.Result denied = Cli.run("run", "--ro", "/", "--exec", catsTree(), "--", "/bin/sh", "-c", helper + " out hi");
        assertThat(denied.exit()).as(denied.err()).isEqualTo(126);
        assertThat(denied.err()).containsIgnoringCase("permission denied");
        Cli.Result allowed = Cli.run("run", "--ro", "/", "--exec", catsTree(), "--exec", Path.of(helper).getParent().toString(),
                "--", "/bin/sh", "-c", helper + " out hi");
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(allowed.out()).isEqualTo("hi\n");
    }

    @Test
    void aBadExecPathNamesTheOption() throws Exception {
        Cli.Result relative = Cli.run("run", "--ro", "/", "--exec", "relative/bin", "--", "true");
        assertThat(relative.exit()).isEqualTo(125);
        assertThat(relative.err()).contains("--exec relative/bin").contains("absolute");
        Cli.Result missing = Cli.run("run", "--ro", "/no/such/dir-pidspawn", "--", "true");
        assertThat(missing.exit()).isEqualTo(125);
        assertThat(missing.err()).contains("--ro /no/such/dir-pidspawn").contains("ENOENT");
    }
}
