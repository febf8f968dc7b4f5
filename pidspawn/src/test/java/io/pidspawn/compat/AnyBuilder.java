package io.pidspawn.compat;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The API java.lang.ProcessBuilder and PidspawnProcessBuilder share, so that one scenario drives either. */
interface AnyBuilder {
    AnyBuilder directory(File dir);

    Map<String, String> environment();

    AnyBuilder redirectInput(Redirect r);

    AnyBuilder redirectOutput(Redirect r);

    AnyBuilder redirectError(Redirect r);

    AnyBuilder redirectInput(File f);

    AnyBuilder redirectOutput(File f);

    AnyBuilder redirectError(File f);

    AnyBuilder redirectErrorStream(boolean merge);

    AnyBuilder inheritIO();

    Process start() throws IOException;

    /** Which implementation a scenario runs against. */
    enum Side {
        JDK, PIDSPAWN;

        AnyBuilder builder(String... command) {
            return builder(new ArrayList<>(List.of(command)));
        }

        /** A builder for a command that may hold nulls (List.of refuses them). */
        AnyBuilder builder(List<String> command) {
            return this == JDK ? new Jdk(new ProcessBuilder(command)) : new Pidspawn(new PidspawnProcessBuilder(command));
        }

        /** Each side's startPipeline; a null stage stays null, for the side to refuse. */
        List<Process> startPipeline(List<AnyBuilder> stages) throws IOException {
            if (this == JDK) {
                return ProcessBuilder.startPipeline(stages.stream().map(b -> b == null ? null : ((Jdk) b).pb).toList());
            }
            return PidspawnProcessBuilder.startPipeline(stages.stream().map(b -> b == null ? null : ((Pidspawn) b).pb).toList());
        }
    }

    record Jdk(ProcessBuilder pb) implements AnyBuilder {
        public AnyBuilder directory(File dir) {
            pb.directory(dir);
            return this;
        }

        public Map<String, String> environment() {
            return pb.environment();
        }

        public AnyBuilder redirectInput(Redirect r) {
            pb.redirectInput(r);
            return this;
        }

        public AnyBuilder redirectOutput(Redirect r) {
            pb.redirectOutput(r);
            return this;
        }

        public AnyBuilder redirectError(Redirect r) {
            pb.redirectError(r);
            return this;
        }

        public AnyBuilder redirectInput(File f) {
            pb.redirectInput(f);
            return this;
        }

        public AnyBuilder redirectOutput(File f) {
            pb.redirectOutput(f);
            return this;
        }

        public AnyBuilder redirectError(File f) {
            pb.redirectError(f);
            return this;
        }

        public AnyBuilder redirectErrorStream(boolean merge) {
            pb.redirectErrorStream(merge);
            return this;
        }

        public AnyBuilder inheritIO() {
            pb.inheritIO();
            return this;
        }

        public Process start() throws IOException {
            return pb.start();
        }
    }

    record Pidspawn(PidspawnProcessBuilder pb) implements AnyBuilder {
        public AnyBuilder directory(File dir) {
            pb.directory(dir);
            return this;
        }

        public Map<String, String> environment() {
            return pb.environment();
        }

        public AnyBuilder redirectInput(Redirect r) {
            pb.redirectInput(r);
            return this;
        }

        public AnyBuilder redirectOutput(Redirect r) {
            pb.redirectOutput(r);
            return this;
        }

        public AnyBuilder redirectError(Redirect r) {
            pb.redirectError(r);
            return this;
        }

        public AnyBuilder redirectInput(File f) {
            pb.redirectInput(f);
            return this;
        }

        public AnyBuilder redirectOutput(File f) {
            pb.redirectOutput(f);
            return this;
        }

        public AnyBuilder redirectError(File f) {
            pb.redirectError(f);
            return this;
        }

        public AnyBuilder redirectErrorStream(boolean merge) {
            pb.redirectErrorStream(merge);
            return this;
        }

        public AnyBuilder inheritIO() {
            pb.inheritIO();
            return this;
        }

        public Process start() throws IOException {
            return pb.start();
        }
    }
}
