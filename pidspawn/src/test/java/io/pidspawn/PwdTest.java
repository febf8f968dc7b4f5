package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child given a working directory sees it in PWD when it inherits the environment and the
 * caller left PWD alone (as Go's os/exec does since 1.19); otherwise PWD is what the caller made it.
 */
@ExtendWith(LeakGuard.class)
class PwdTest {
    @TempDir
    Path tmp;

    private static String pwdOfChild(UnaryOperator<Command.Builder> settings, SpawnOverrides o) throws Exception {
        try (Command c = settings.apply(Command.builder(Helper.path()).args("getenv", "PWD", ";", "cwd")).build()) {
            Output out = c.output(o, Capture.defaults());
            assertThat(out.status()).as("stderr: %s", out.stderrText()).isEqualTo(ExitStatus.exited(0));
            String[] lines = out.stdoutText().split("\n");
            return lines[0] + " | " + lines[1];
        }
    }

    private static String pwdOfChild(UnaryOperator<Command.Builder> settings) throws Exception {
        return pwdOfChild(settings, SpawnOverrides.none());
    }

    @Test
    void aRelativeParentDirectoryBecomesAnAbsoluteCleanPwd() throws Exception {
        Path parent = Path.of("").toAbsolutePath().getParent();
        assertThat(System.getenv("PWD")).isNotEqualTo(parent.toString());
        assertThat(pwdOfChild(b -> b.cwd(Path.of("..")))).isEqualTo(parent + " | " + parent.toRealPath());
        assertThat(pwdOfChild(b -> b.cwd(tmp.resolve("../" + tmp.getFileName()))))
                .isEqualTo(tmp + " | " + tmp.toRealPath());
    }

    @Test
    void theCallersOwnPwdOrEnvironmentIsLeftAlone() throws Exception {
        String real = tmp.toRealPath().toString();
        assertThat(pwdOfChild(b -> b.env("PWD", "/chosen").cwd(tmp))).isEqualTo("/chosen | " + real);
        assertThat(pwdOfChild(b -> b.unsetEnv("PWD").cwd(tmp))).isEqualTo("<unset> | " + real);
        assertThat(pwdOfChild(b -> b.clearEnv().env("A", "1").cwd(tmp))).isEqualTo("<unset> | " + real);
        // Other changes to an inherited environment do not count as choosing PWD.
        assertThat(pwdOfChild(b -> b.env("A", "1").cwd(tmp))).isEqualTo(tmp + " | " + real);
    }

    @Test
    void withoutACwdPwdIsInherited() throws Exception {
        String inherited = System.getenv("PWD") == null ? "<unset>" : System.getenv("PWD");
        assertThat(pwdOfChild(b -> b).split(" \\| ")[0]).isEqualTo(inherited);
    }

    @Test
    void aSpawnsOwnCwdSetsItsPwdUnlessTheSpawnOrCommandSetsPwd() throws Exception {
        String real = tmp.toRealPath().toString();
        assertThat(pwdOfChild(b -> b, SpawnOverrides.none().withCwd(tmp))).isEqualTo(tmp + " | " + real);
        assertThat(pwdOfChild(b -> b.cwd(Path.of("/")), SpawnOverrides.none().withCwd(tmp))).isEqualTo(tmp + " | " + real);
        assertThat(pwdOfChild(b -> b, SpawnOverrides.none().withCwd(tmp).withEnv("PWD", "/mine")))
                .isEqualTo("/mine | " + real);
        assertThat(pwdOfChild(b -> b.env("PWD", "/cmd"), SpawnOverrides.none().withCwd(tmp))).isEqualTo("/cmd | " + real);
    }

    @Test
    void aDotDotAfterASymbolicLinkIsNotDroppedIntoAnotherDirectory() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("a/b"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), elsewhere);
        Path viaLink = link.resolve("..");          // is tmp/a, while tmp/link/.. cleaned is tmp
        String pwd = pwdOfChild(b -> b.cwd(viaLink)).split(" \\| ")[0];
        assertThat(Path.of(pwd).toRealPath()).isEqualTo(tmp.resolve("a").toRealPath());
    }
}
