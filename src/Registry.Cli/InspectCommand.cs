using System.CommandLine;
using System.Text;
using Registry.Cli.Wal;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Replication;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Wal;

namespace Registry.Cli;

/// <summary><c>registry inspect --data DIR [--json] [--full]</c>: a read-only recovery of a data directory (ours or Go's) that changes no file, also while a server runs on it.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "The data directory (our layout or a Go registry's).", DefaultValueFactory = _ => StatusCommand.DefaultDataDirectory };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var full = new Option<bool>("--full") { Description = "With --json: print the recovered state itself, in the snapshot schema." };
        var command = new Command("inspect", "Recover a data directory read-only (no file is changed or locked) and report the snapshot used, entries replayed, torn bytes that would be cut, and the recovered state. Exit 0 clean, 1 damaged or refused, 2 usage or I/O error.") { data, json, full };
        command.SetAction((parse, ct) => Task.FromResult(Run(context, parse.GetValue(data)!, parse.GetValue(json), parse.GetValue(full), ct)));
        return command;
    }

    public static int Run(CliContext context, string dataDirectory, bool json, bool full, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(dataDirectory))
        {
            context.Err.WriteLine($"registry inspect: no directory at {dataDirectory}");
            return ExitCodes.UsageOrIo;
        }

        var (report, machine, refusal, damage, inProgress) = InspectSettled(dataDirectory, cancellationToken);
        if (inProgress.Count > 0)
        {
            context.Err.WriteLine($"registry inspect: {dataDirectory} is being written (a running server?): {inProgress.Count} finding(s) at the end of its log moved from one read to the next, so they are records being written, not damage (\"in_progress\"); for an exact report, stop the server");
        }

        if (report is null)
        {
            context.Err.WriteLine(refusal is PersistenceException
                ? $"registry inspect: recovery would refuse to start: {refusal.Message}"
                : $"registry inspect: {refusal?.Message}");
            return ExitCodes.Damaged;
        }

        Timeline timeline;
        try
        {
            timeline = Timeline.Load(dataDirectory);
        }
        catch (PersistenceException ex)
        {
            context.Err.WriteLine($"registry inspect: recovery would refuse to start: {ex.Message}");
            return ExitCodes.Damaged;
        }

        // The encoder's capture: nodes stay frozen and are converted one at a time (while encoding, or never), so a
        // summary does not build a model of the whole registry, and the full document goes out a chunk at a time.
        var (state, sequence) = machine.CaptureForEncoding();
        var nodes = state.NodeSource?.Count ?? state.Nodes?.Count ?? 0;
        if (json && full)
        {
            state.WalSeq = sequence;
            TextWriterSink.WriteLine(context.Out, output => SnapshotEncoder.Encode(state, output));
        }
        else if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteString("layout", report.Layout);
                w.WriteStartObject("snapshot");
                w.WriteBoolean("found", report.Snapshot.Found);
                w.WriteString("path", report.Snapshot.Path);
                w.WriteNumber("generation", report.Snapshot.Generation);
                w.WriteNumber("version", report.Snapshot.Version);
                w.WriteBoolean("legacy", report.Snapshot.IsLegacy);
                w.WriteNumber("wal_seq", report.SnapshotSequence);
                w.WriteString("explanation", report.Snapshot.Explanation);
                w.WriteStartArray("rejected");
                foreach (var rejected in report.Snapshot.Rejected)
                {
                    w.WriteStringValue(rejected.ToString());
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteNumber("replayed", report.Replayed);
                w.WriteNumber("skipped", report.Skipped);
                w.WriteNumber("last_seq", report.LastSequence);
                w.WriteNumber("torn_bytes", report.BytesCut);
                if (report.LegacyReplayError is not null)
                {
                    w.WriteString("legacy_replay_error", report.LegacyReplayError);
                }

                JsonLine.WriteProblems(w, damage);
                JsonLine.WriteProblems(w, inProgress, "in_progress");
                w.WriteNumber("nodes", nodes);
                w.WriteNumber("networks", state.Networks?.Count ?? 0);
                w.WriteNumber("trust_pairs", state.TrustPairs?.Count ?? 0);
                w.WriteNumber("next_node", state.NextNode);
                w.WriteNumber("next_net", state.NextNet);
                w.WriteStartObject("timeline");
                w.WriteNumber("epoch", timeline.Current);
                timeline.WriteEpochs(w, "epochs");
                w.WriteBoolean("following", timeline.Following);
                if (timeline.SupersededBy is { } superseding)
                {
                    w.WriteNumber("superseded_by", superseding);
                }

                w.WriteEndObject();
                w.WriteStartArray("warnings");
                foreach (var warning in machine.Warnings)
                {
                    w.WriteStringValue(warning);
                }

                w.WriteEndArray();
            }));
        }
        else
        {
            var snapshot = report.Snapshot.Found ? $"{report.Snapshot.Path} (generation {report.Snapshot.Generation}, covers sequence {report.SnapshotSequence})" : "none";
            context.Out.WriteLine($"layout: {report.Layout}");
            context.Out.WriteLine($"snapshot: {snapshot}; {report.Snapshot.Explanation}");
            context.Out.WriteLine($"log: {report.Replayed} entries replayed, {report.Skipped} already in the snapshot, last sequence {report.LastSequence}, {report.BytesCut} torn bytes would be cut");
            foreach (var problem in damage)
            {
                context.Out.WriteLine($"  {JsonLine.KindName(problem.Kind)} at {problem.FilePath} offset {problem.Offset}: {problem.Message}");
            }

            if (report.LegacyReplayError is not null)
            {
                context.Out.WriteLine($"  Go replay stopped: {report.LegacyReplayError}");
            }

            context.Out.WriteLine($"timeline: {timeline}");
            context.Out.WriteLine($"state: {nodes} nodes, {state.Networks?.Count ?? 0} networks, {state.TrustPairs?.Count ?? 0} trust pairs, next node {state.NextNode}, next network {state.NextNet}");
        }

        return damage.Count == 0 ? ExitCodes.Ok : ExitCodes.Damaged;
    }

    /// <summary>What <see cref="InspectSettled"/> found.</summary>
    /// <param name="Report">The last recovery's report; null when it refused (<paramref name="Refusal"/>).</param>
    /// <param name="Machine">The state that recovery rebuilt.</param>
    /// <param name="Refusal">Why the last recovery refused, if it did.</param>
    /// <param name="Damage">Log problems found at the same place by the last two recoveries: on disk.</param>
    /// <param name="InProgress">Log problems of the last recovery that the one before did not find there: records being written.</param>
    internal sealed record Findings(RecoveryReport? Report, RegistryStateMachine Machine, Exception? Refusal, IReadOnlyList<WalProblem> Damage, IReadOnlyList<WalProblem> InProgress);

    /// <summary>Recovers <paramref name="dataDirectory"/> read-only, again while what it finds moves (a running server appending; <see cref="RepeatedRead"/>).</summary>
    internal static Findings InspectSettled(string dataDirectory, CancellationToken cancellationToken)
    {
        var outcome = RepeatedRead.Run(
            () =>
            {
                var machine = RegistryStateMachine.ReadOnly();
                try
                {
                    return (Report: Store.Inspect(dataDirectory, machine, cancellationToken), Machine: machine, Refusal: (Exception?)null);
                }
                catch (Exception ex) when (ex is PersistenceException or IOException or UnauthorizedAccessException or InvalidDeltaException)
                {
                    return (Report: (RecoveryReport?)null, Machine: machine, Refusal: ex);
                }
            },
            // A refusal counts as one finding placed by its text, so the same refusal twice is final too.
            attempt => attempt.Report?.LogProblems ?? [new WalProblem(0, WalProblemKind.Corruption, attempt.Refusal!.Message) { FilePath = attempt.Refusal.Message }]);
        var (report, machine, refusal) = outcome.Last;
        return report is null
            ? new Findings(null, machine, refusal, [], [])
            : new Findings(report, machine, null, outcome.Damage, outcome.InProgress);
    }
}
