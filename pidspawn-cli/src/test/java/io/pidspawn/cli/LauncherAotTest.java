package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/pidspawn and its AOT cache: made at the first run without a word on stderr, used by the
 * runs after it, remade when a jar changes, and never a JVM warning (on stdout or stderr) when it
 * cannot be used. The launcher runs from a copy of bin/ in a directory of its own, beside jars
 * made from this build's classes, so that it neither builds nor touches the real target/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherAotTest {
    @TempDir
    static Path home;
    private static Path cache;

    @BeforeAll
    static void copyLauncherAndJars() throws IOException, InterruptedException {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Files.createDirectories(home.resolve("bin"));
        for (String f : List.of("pidspawn", "lib.sh")) {
            Files.copy(repo.resolve("bin").resolve(f), home.resolve("bin").resolve(f));
        }
        home.resolve("bin/pidspawn").toFile().setExecutable(true);
        Path target = home.resolve("pidspawn-cli/target");
        Files.createDirectories(target.resolve("lib"));
        jar(entryWith("io/pidspawn/cli/Main.class"), target.resolve("pidspawn-cli.jar"));
        jar(entryWith("io/pidspawn/Command.class"), target.resolve("lib/pidspawn-0.jar"));
        ReversionTest.reversion(entryWith("picocli/CommandLine.class"), target.resolve("lib/picocli-0.jar")); // as the build does
        // The launcher's freshness check looks at the poms and sources: older than the jars, nothing to build.
        Files.createDirectories(home.resolve("pidspawn-cli/src/main"));
        Files.writeString(home.resolve("pom.xml"), "<project/>\n");
        Files.writeString(home.resolve("pidspawn-cli/pom.xml"), "<project/>\n");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000L);
        for (Path p : List.of(home.resolve("pom.xml"), home.resolve("pidspawn-cli/pom.xml"), home.resolve("pidspawn-cli/src/main"))) {
            Files.setLastModifiedTime(p, old);
        }
        cache = target.resolve("pidspawn-cli.aot");
    }

    @Test
    @Order(1)
    void theFirstRunMakesTheCacheAndSaysNothing() throws Exception {
        Result r = launch(null, "run", "--", "/bin/echo", "hi");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).isEqualTo("hi\n");
        assertThat(r.err).isEmpty();
        assertThat(cache).isNotEmptyFile();
        assertThat(Files.readString(Path.of(cache + ".stamp"))).doesNotStartWith("failed");
        // Training reports each of its commands that failed: a cache trained on an error path is a slow start.
        assertThat(Files.readString(Path.of(cache + ".log"))).doesNotContain("pidspawn training:");
    }

    @Test
    @Order(2)
    void laterRunsStartFromTheCacheAndSayNothing() throws Exception {
        Path log = home.resolve("class-load.log");
        Result r = launch(log, "run", "--", "/bin/echo", "hi");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).isEqualTo("hi\n");
        assertThat(r.err).isEmpty();
        // The JVM says where each class came from: the cache is "shared objects file".
        assertThat(Files.readString(log)).contains("io.pidspawn.cli.Main source: shared objects file",
                "io.pidspawn.cli.RunCommand source: shared objects file",
                "picocli.CommandLine source: shared objects file", // its class files re-versioned
                "picocli.CommandLine$Interpreter source: shared objects file");
    }

    @Test
    @Order(3)
    void aChangedJarMakesANewCacheWithoutAWarning() throws Exception {
        Path cliJar = home.resolve("pidspawn-cli/target/pidspawn-cli.jar");
        Object cacheBefore = Files.readAttributes(cache, BasicFileAttributes.class).fileKey(); // its inode
        // A new build of the CLI: the same classes, a jar that is not the one the cache was made for.
        Files.setLastModifiedTime(cliJar, FileTime.fromMillis(System.currentTimeMillis() + 2_000L));
        Path log = home.resolve("class-load-2.log");
        Result r = launch(log, "run", "--", "/bin/echo", "hi");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).isEqualTo("hi\n");
        assertThat(r.err).isEmpty();
        // A new file took the old one's place; the JVM, which checks each jar's mtime, maps it.
        assertThat(Files.readAttributes(cache, BasicFileAttributes.class).fileKey()).isNotEqualTo(cacheBefore);
        assertThat(Files.readString(Path.of(cache + ".stamp"))).doesNotStartWith("failed");
        assertThat(Files.readString(log)).contains("io.pidspawn.cli.Main source: shared objects file");
    }

    @Test
    @Order(4)
    void anUnusableCacheIsIgnoredInSilence() throws Exception {
        // A cache the JVM cannot map (as one made by another JDK build would be), its stamp still current.
        byte[] garbage = new byte[65536];
        Arrays.fill(garbage, (byte) 0x5a);
        Files.write(cache, garbage);
        Path log = home.resolve("class-load-3.log");
        Result r = launch(log, "run", "--", "/bin/echo", "hi");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).isEqualTo("hi\n"); // the JVM prints its AOT warnings on stdout unless told not to
        assertThat(r.err).isEmpty();
        assertThat(Files.readString(log)).doesNotContain("io.pidspawn.cli.Main source: shared objects file");
    }

    record Result(int exit, String out, String err) {}

    /** Runs the launcher copy; with classLog, the JVM logs each class it loads there (JDK_JAVA_OPTIONS). */
    private static Result launch(Path classLog, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/pidspawn").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("PIDSPAWN_AOT");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        if (classLog != null) {
            pb.environment().put("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + classLog);
        }
        Path err = Files.createTempFile(home, "stderr", ".txt");
        Process p = pb.redirectErrorStream(false).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/pidspawn did not finish: " + cmd);
        }
        // The java launcher announces JDK_JAVA_OPTIONS on stderr: the one line that is the test's own.
        String errText = Files.readString(err).lines().filter(l -> !l.startsWith("NOTE: Picked up JDK_JAVA_OPTIONS"))
                .reduce("", (a, l) -> a + l + "\n");
        return new Result(p.exitValue(), out, errText);
    }

    /** The class path entry (a directory or a jar) that holds resource. */
    private static Path entryWith(String resource) {
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p) ? Files.exists(p.resolve(resource)) : e.endsWith(".jar") && jarHas(p, resource)) {
                return p;
            }
        }
        throw new AssertionError("no class path entry holds " + resource);
    }

    private static boolean jarHas(Path jar, String resource) {
        try (var z = new java.util.zip.ZipFile(jar.toFile())) {
            return z.getEntry(resource) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Copies a jar, or makes one of a directory of classes. */
    private static void jar(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            Files.copy(from, to);
            return;
        }
        try (OutputStream file = Files.newOutputStream(to); JarOutputStream jar = new JarOutputStream(file);
             Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jar.putNextEntry(new JarEntry(from.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, jar);
                jar.closeEntry();
            }
        }
    }
}
