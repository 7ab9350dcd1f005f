using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Cli;

/// <summary>The <c>registry snapshot</c> command group: verify and show snapshot files (ours or the Go registry's).</summary>
internal static class SnapshotCommands
{
    public static Command Create(CliContext context)
    {
        var snapshot = new Command("snapshot", "Verify and inspect snapshot files.");
        snapshot.Subcommands.Add(CreateVerify(context));
        snapshot.Subcommands.Add(CreateShow(context));
        return snapshot;
    }

    private static Command CreateVerify(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The snapshot file, e.g. registry.json or snapshot.json." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var verify = new Command("verify", "Decode the file and check its checksum. Exit 0 when intact (or a valid legacy v0 file), 1 when damaged or unreadable.")
        {
            file,
            json,
        };
        verify.SetAction(parse => Verify(context, parse.GetValue(file)!, parse.GetValue(json)));
        return verify;
    }

    private static Command CreateShow(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The snapshot file." };
        var json = new Option<bool>("--json") { Description = "Print the whole decoded snapshot in the snapshot schema (re-encoded exactly as written)." };
        var show = new Command("show", "Print a summary: counts, ids, largest networks, inbox and history sizes.")
        {
            file,
            json,
        };
        show.SetAction(parse => Show(context, parse.GetValue(file)!, parse.GetValue(json)));
        return show;
    }

    private static int Verify(CliContext context, string path, bool json)
    {
        VerifiedSnapshot file;
        try
        {
            file = SnapshotReader.Read(path);
        }
        catch (SnapshotCorruptException ex)
        {
            if (json)
            {
                WriteJson(context, w =>
                {
                    w.WriteString("file", path);
                    w.WriteBoolean("ok", false);
                    w.WriteString("problem", ex.Problem.ToString());
                    w.WriteString("error", ex.Message);
                    if (ex.Problem == SnapshotProblem.ChecksumMismatch)
                    {
                        w.WriteBoolean("checksum_ok", false);
                    }
                    else
                    {
                        w.WriteNull("checksum_ok");
                    }
                });
            }
            else
            {
                context.Out.WriteLine($"{path}: DAMAGED");
            }

            context.Err.WriteLine($"registry: {ex.Message}");
            return ExitCodes.Damaged;
        }

        var s = file.Snapshot;
        if (json)
        {
            WriteJson(context, w =>
            {
                w.WriteString("file", path);
                w.WriteBoolean("ok", true);
                w.WriteNumber("version", file.Version);
                w.WriteBoolean("legacy", file.IsLegacy);
                if (file.IsLegacy && file.Checksum is null)
                {
                    w.WriteNull("checksum_ok");
                    w.WriteNull("checksum");
                }
                else
                {
                    w.WriteBoolean("checksum_ok", true);
                    w.WriteString("checksum", file.Checksum);
                }

                w.WriteNumber("bytes", file.Length);
                w.WriteNumber("nodes", s.Nodes?.Count ?? 0);
                w.WriteNumber("networks", s.Networks?.Count ?? 0);
                w.WriteNumber("trust_pairs", s.TrustPairs?.Count ?? 0);
                w.WriteNumber("next_node", s.NextNode);
                w.WriteNumber("next_net", s.NextNet);
                w.WriteNumber("wal_seq", s.WalSeq);
            });
        }
        else
        {
            var how = file.IsLegacy ? "legacy version 0, no checksum" : $"version {file.Version}, checksum {file.Checksum} verified";
            context.Out.WriteLine($"{path}: OK ({how}); {Count(s.Nodes)} nodes, {Count(s.Networks)} networks, {s.TrustPairs?.Count ?? 0} trust pairs");
        }

        return ExitCodes.Ok;
    }

    private static int Show(CliContext context, string path, bool json)
    {
        VerifiedSnapshot file;
        try
        {
            file = SnapshotReader.Read(path);
        }
        catch (SnapshotCorruptException ex)
        {
            context.Err.WriteLine($"registry: {ex.Message}");
            return ExitCodes.Damaged;
        }

        if (json)
        {
            // The snapshot schema, byte-exact as the Go registry would write this content (version 1 + checksum).
            TextWriterSink.WriteLine(context.Out, output => SnapshotEncoder.Encode(file.Snapshot, output));
            return ExitCodes.Ok;
        }

        SnapshotSummary.Write(context.Out, file);
        return ExitCodes.Ok;
    }

    private static int Count<T>(Dictionary<string, T>? map) => map?.Count ?? 0;

    private static void WriteJson(CliContext context, Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }

        context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
