using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Registry.Persistence.Deltas;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Tests;
using Registry.Persistence.Wal;

namespace Registry.Server.Tests.Registry;

/// <summary>
/// The damage loop: the real <c>registry serve</c> mutates and stops (kill -9 or SIGTERM), one random piece of damage is
/// done to its files, and the restart must have exactly the outcome the docs promise for that damage.
/// </summary>
/// <remarks>
/// <para>The expected outcome is derived from the damage and the layout of the undamaged files (record offsets read with
/// <see cref="WalReader"/>, generations with <see cref="SnapshotReader"/>), following docs/wal-format.md and
/// docs/snapshot-format.md, never by running the product's recovery on the damaged files:</para>
/// <list type="bullet">
/// <item>the last segment cut inside a record: torn tail, the cut bytes saved as <c>SEGMENT.torn-OFFSET</c>; cut inside
/// its header: an incomplete new segment, set aside whole; cut at a record boundary or in the zero-filled space: nothing
/// to repair. Records not wholly before the cut are gone; every other acknowledged mutation must be there.</item>
/// <item>bits flipped in a record followed by a valid record, in a record of an earlier segment, or in a header:
/// corruption, the start is refused naming the file and offset, exit 1, no file changed. In the zero-filled space after
/// an earlier segment's last record: nothing is missing (the next segment continues the sequence), the bytes are set
/// aside as <c>SEGMENT.unused-OFFSET</c>. In the last record (or the zero-filled space) of the last segment: a torn
/// tail, repaired as above.</item>
/// <item>the current snapshot truncated or corrupted: the previous generation plus the log; without a previous
/// generation the start is refused ("no snapshot generation verifies").</item>
/// </list>
/// <para>Every start is checked against that expectation: the recovery line's generation, snapshot sequence, last
/// sequence and bytes cut, the side files and their exact bytes, every acknowledged mutation not destroyed (looked up),
/// no destroyed registration back, and a quarantined <c>snapshot.json.corrupt</c> only ever holding a file we damaged.
/// After a refusal the damaged file gets its bytes back and the next start must lose nothing. The seed is printed;
/// <c>REGISTRY_DAMAGE_SEED</c> replays the same damage choices and workload (snapshot timing is the process's own).</para>
/// </remarks>
public sealed partial class DamageLoopTests
{
    // Cases stop at whichever comes first; about 18 s for 32 cases on an idle two-core machine. The minimum runs
    // however long it takes (within the test's own bound), so a slow or busy machine runs fewer cases, never too few.
    private const int MaxCases = 32;
    private const int MinimumCases = 6;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    /// <summary>The fixed part of a log record before its payload (docs/wal-format.md).</summary>
    private const int RecordHeaderSize = 24;

    private enum Outcome
    {
        Repaired,
        Clean,
        Refused,
        FellBack,
    }

    [Fact]
    public async Task DamageLoop_RandomDamageToLogAndSnapshots_EveryRestartHasItsDocumentedOutcome()
    {
        var seed = Environment.GetEnvironmentVariable("REGISTRY_DAMAGE_SEED") is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var drill = new Drill(seed, Timeouts.Bounded(150));
        Exception? failure = null;
        try
        {
            await drill.RunAsync();
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            drill.Dispose();
        }

        var summary = $"damage loop: seed={seed} cases={drill.Cases} repaired={drill.Count(Outcome.Repaired)} clean={drill.Count(Outcome.Clean)} " +
            $"refused={drill.Count(Outcome.Refused)} fell_back={drill.Count(Outcome.FellBack)} acknowledged={drill.Acknowledged} " +
            $"checked={drill.Checked} damaged_records={drill.DamagedRecords} losses={drill.Losses}{(failure is null ? "" : " FAILED")}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("REGISTRY_TEST_REPORT") is { Length: > 0 } report)
        {
            File.AppendAllText(report, summary + Environment.NewLine);
        }

        if (failure is not null)
        {
            Assert.Fail($"seed {seed} (rerun with REGISTRY_DAMAGE_SEED={seed}), case {drill.Cases}: {drill.Context}\n{failure}");
        }

        Assert.True(drill.Cases >= MinimumCases, $"seed {seed}: only {drill.Cases} cases ran within {Budget}");
        Assert.True(drill.Losses == 0, $"seed {seed}: {drill.Losses} acknowledged mutations lost");
    }

    /// <summary>An acknowledged mutation: a registration (<see cref="Tag"/> null) or a tag change; each tag is unique.</summary>
    private sealed record Mutation(uint NodeId, string PublicKey, string? Tag);

    /// <summary>A record of a segment: where it lies and which mutation it holds.</summary>
    private sealed record Rec(ulong Seq, long Offset, long Size, string? PublicKey, string? Tag)
    {
        public long End => Offset + Size;
    }

    /// <summary>A segment file before the damage.</summary>
    private sealed record Segment(string Path, byte[] Bytes, bool Incomplete, List<Rec> Records)
    {
        public long Length => Bytes.Length;

        public long ValidEnd => Records.Count == 0 ? 32 : Records[^1].End;
    }

    /// <summary>A snapshot generation file; <see cref="WalSeq"/> is null when it does not verify.</summary>
    private sealed record Generation(string Path, int Index, byte[] Bytes, ulong? WalSeq, string? Problem = null)
    {
        /// <summary>What the drill saw, for failure messages: the sequence it covers, or why it does not verify.</summary>
        public override string ToString() => WalSeq is { } seq ? $"wal_seq {seq}" : $"refused ({Problem})";
    }

    /// <summary>The files of a stopped registry, before the damage.</summary>
    private sealed record Layout(List<Segment> Segments, Generation? Current, Generation? Previous)
    {
        public Generation Loads => Current is { WalSeq: not null } ? Current : Previous is { WalSeq: not null } ? Previous : throw new InvalidOperationException("no generation verifies before any damage");

        public ulong SnapshotSeq => Loads.WalSeq!.Value;
    }

    /// <summary>What the restart after one piece of damage must do.</summary>
    private sealed record Expectation
    {
        public required Outcome Outcome { get; init; }

        public string[] RefusalTexts { get; init; } = [];

        public int Generation { get; init; }

        public ulong SnapshotSeq { get; init; }

        public ulong LastSeq { get; init; }

        public long BytesCut { get; init; }

        public List<(string Name, byte[] Content)> SideFiles { get; init; } = [];

        public HashSet<ulong> Lost { get; init; } = [];

        public bool LogRestarts { get; init; }
    }

    private enum FateKind
    {
        Intact,
        SetAside,
        Shortened,
        Torn,
    }

    /// <summary>
    /// What the damage did to the last segment, as recovery will see it: nothing, an incomplete new segment (set aside
    /// whole), shorter but ending cleanly (records from <see cref="FirstLost"/> gone), or a torn tail from <see cref="From"/>.
    /// </summary>
    private sealed record Fate(FateKind Kind, byte[] Content, long From, int FirstLost)
    {
        public static readonly Fate Intact = new(FateKind.Intact, [], 0, int.MaxValue);

        public static Fate SetAside(byte[] content) => new(FateKind.SetAside, content, 0, 0);

        public static Fate Shortened(int firstLost) => new(FateKind.Shortened, [], 0, firstLost);

        public static Fate Torn(byte[] content, long from, int firstLost) => new(FateKind.Torn, content, from, firstLost);
    }

    private sealed partial class Drill(int seed, CancellationToken ct) : IDisposable
    {
        private readonly Random _random = new(seed);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<TempDirectory> _directories = [];
        private readonly Dictionary<Outcome, int> _outcomes = [];
        private readonly HashSet<string> _damagedSnapshots = new(StringComparer.Ordinal);
        private readonly Dictionary<uint, NodeKey> _keys = [];
        private List<Mutation> _journal = [];
        private string _data = "";
        private bool _logRestarted;
        private ServeProcess? _serve;
        private int _metricsPort;
        private bool _frequentSnapshots;
        private int _tags;

        public int Cases { get; private set; }

        public long Acknowledged { get; private set; }

        public long Checked { get; private set; }

        public long DamagedRecords { get; private set; }

        public long Losses { get; private set; }

        public string Context { get; private set; } = "starting";

        public int Count(Outcome outcome) => _outcomes.GetValueOrDefault(outcome);

        public async Task RunAsync()
        {
            await FreshDirectoryAsync();
            while (Cases < MaxCases && (Cases < MinimumCases || _clock.Elapsed < Budget))
            {
                await OneCaseAsync(Cases);
                Cases++;
                if (_random.Next(7) == 0)
                {
                    StopServer();
                    await FreshDirectoryAsync();
                }
            }

            StopServer();
        }

        public void Dispose()
        {
            try
            {
                StopServer();
            }
            finally
            {
                foreach (var key in _keys.Values)
                {
                    key.Dispose();
                }

                foreach (var directory in _directories)
                {
                    directory.Dispose();
                }
            }
        }

        private void StopServer()
        {
            _serve?.Dispose();
            _serve = null;
        }

        private async Task FreshDirectoryAsync()
        {
            var directory = new TempDirectory();
            _directories.Add(directory);
            _data = directory.Combine("data");
            _journal = [];
            _logRestarted = false;
            _serve = await StartAsync();
        }

        private async Task OneCaseAsync(int number)
        {
            // 1. Mutate (every reply recorded only once acknowledged), maybe let a snapshot cover it all, stop.
            Context = $"case {number}: workload";
            await MutateAsync(number);
            if (_frequentSnapshots && _random.Next(2) == 0)
            {
                await FaultDrill.WaitForMetricAsync(_metricsPort, "registry_wal_records_since_snapshot", v => v == 0, ct);
            }

            var graceful = _random.Next(4) == 0;
            if (graceful)
            {
                await _serve!.TerminateAsync(ct);
                var exit = await _serve.WaitForExitAsync(ct);
                Assert.True(exit == 0, $"SIGTERM: exit {exit}\n{_serve.Output}");
            }
            else
            {
                await _serve!.KillTreeAndWaitAsync(ct);
            }

            StopServer();

            // 2. Read the undamaged files, choose one piece of damage and what it must lead to, do it.
            Context = $"case {number}: reading the files after {(graceful ? "SIGTERM" : "kill -9")}";
            var layout = Read();
            var kind = number % 4;
            var (description, path, original, expected) = kind switch
            {
                2 or 3 when layout.Current is { WalSeq: not null } => DamageSnapshot(layout, truncate: kind == 2),
                0 or 2 when layout.Segments[^1].Length > 0 => CutLastSegment(layout),
                _ => FlipBits(layout),
            };
            var outcome = expected.Outcome;
            Context = $"case {number}: {description}; expected {outcome}; before the damage: current {layout.Current?.ToString() ?? "missing"}, previous {layout.Previous?.ToString() ?? "missing"}, files {string.Join(' ', Directory.EnumerateFiles(_data).Select(Path.GetFileName).Order(StringComparer.Ordinal))}";
            TestContext.Current.TestOutputHelper?.WriteLine($"{Context} (bytes cut {expected.BytesCut}, records lost {expected.Lost.Count})");
            _outcomes[outcome] = Count(outcome) + 1;
            var damaged = FaultDrill.Fingerprint(_data);

            // 3. Restart and check the documented outcome.
            if (expected.Outcome == Outcome.Refused)
            {
                var (exit, output) = await ServeProcess.RunToExitAsync(_data, ct, Environment());
                Assert.True(exit == 1, $"expected the start to be refused (exit 1), got exit {exit}:\n{output}");
                Assert.Contains("cannot open data directory", output, StringComparison.Ordinal);
                Assert.DoesNotContain("Registry server listening", output, StringComparison.Ordinal);
                foreach (var text in expected.RefusalTexts)
                {
                    Assert.True(output.Contains(text, StringComparison.Ordinal), $"the refusal does not say \"{text}\":\n{output}");
                }

                var differences = FaultDrill.Differences(damaged, FaultDrill.Fingerprint(_data));
                Assert.True(differences.Count == 0, "the refused start changed files:\n" + string.Join('\n', differences));

                // The operator restores the file: the registry starts and nothing acknowledged is missing.
                await File.WriteAllBytesAsync(path, original, ct);
                expected = Undamaged(layout);
            }

            var before = Directory.GetFiles(Path.Combine(_data, "wal")).ToHashSet(StringComparer.Ordinal);
            _serve = await StartAsync();
            var recovered = FaultDrill.Recovery(_serve.Output);
            Assert.True(
                recovered.Generation == expected.Generation && recovered.SnapshotSequence == expected.SnapshotSeq && recovered.LastSequence == expected.LastSeq && recovered.BytesCut == expected.BytesCut,
                $"recovery reported generation={recovered.Generation} snapshot_seq={recovered.SnapshotSequence} last_seq={recovered.LastSequence} bytes_cut={recovered.BytesCut}, " +
                $"expected generation={expected.Generation} snapshot_seq={expected.SnapshotSeq} last_seq={expected.LastSeq} bytes_cut={expected.BytesCut}:\n{_serve.Output}");
            CheckSideFiles(before, expected.SideFiles);
            _logRestarted |= expected.LogRestarts;

            // Mutations whose records the damage destroyed are gone (and must not reappear); every other one is there.
            var lost = Seqs(layout).Where(m => expected.Lost.Contains(m.Value)).Select(m => m.Key).ToHashSet();
            DamagedRecords += lost.Count;
            var gone = lost.Where(m => m.Tag is null).Select(m => m.NodeId).ToList();
            _journal = _journal.Where(m => !lost.Contains(m)).ToList();
            await VerifyAsync(gone);
        }

        private async Task MutateAsync(int number)
        {
            using var client = await _serve!.ConnectAsync(ct);
            var count = _random.Next(3, 26);
            for (var i = 0; i < count; i++)
            {
                var live = Expected().Keys.Where(_keys.ContainsKey).ToList();
                if (live.Count > 0 && _random.Next(5) < 2)
                {
                    var id = live[_random.Next(live.Count)];
                    var tag = $"d{number}-{_tags++}";
                    await client.OkAsync(new { type = "set_tags", node_id = id, tags = new[] { tag }, signature = _keys[id].Sign($"set_tags:{id}") }, ct);
                    _journal.Add(new Mutation(id, Expected()[id].PublicKey, tag));
                }
                else
                {
                    var key = new NodeKey();
                    var id = await client.RegisterAsync(key, ct);
                    if (_keys.Remove(id, out var stale))
                    {
                        // An id freed when damage destroyed its registration is handed out again.
                        stale.Dispose();
                    }

                    _keys[id] = key;
                    _journal.Add(new Mutation(id, key.PublicKey, null));
                }

                Acknowledged++;
            }
        }

        private async Task VerifyAsync(List<uint> gone)
        {
            using var client = await _serve!.ConnectAsync(ct);
            var expected = Expected();
            var missing = await FaultDrill.MissingAsync(client, expected.Values, ct);
            Checked += expected.Count;
            Losses += missing.Count;
            Assert.True(missing.Count == 0, $"acknowledged mutations missing after the restart:\n{string.Join('\n', missing)}\n{_serve.Output}");
            foreach (var id in gone)
            {
                var reply = await client.SendAsync(new { type = "lookup", node_id = id }, ct);
                Assert.True(reply.GetProperty("type").GetString() == "error", $"node {id}, whose registration record was destroyed, is there: {reply}");
            }

            // A current generation refused at load is moved aside by the next save, and only such a file ever is.
            var quarantined = Path.Combine(_data, "snapshot.json.corrupt");
            if (File.Exists(quarantined))
            {
                Assert.Contains(Hash(await File.ReadAllBytesAsync(quarantined, ct)), _damagedSnapshots);
            }
        }

        /// <summary>The nodes the journal says exist, with their last acknowledged tag.</summary>
        private Dictionary<uint, AcknowledgedNode> Expected()
        {
            var nodes = new Dictionary<uint, AcknowledgedNode>();
            foreach (var m in _journal)
            {
                nodes[m.NodeId] = m.Tag is null ? new AcknowledgedNode(m.NodeId, m.PublicKey, null) : nodes[m.NodeId] with { Tag = m.Tag };
            }

            return nodes;
        }

        /// <summary>The sequence number of each journal mutation whose record is still in the log (the others are in the snapshot).</summary>
        private Dictionary<Mutation, ulong> Seqs(Layout layout)
        {
            var byKey = new Dictionary<string, ulong>(StringComparer.Ordinal);
            var byTag = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var record in layout.Segments.SelectMany(s => s.Records))
            {
                if (record.PublicKey is not null)
                {
                    byKey[record.PublicKey] = record.Seq;
                }

                if (record.Tag is not null)
                {
                    byTag[record.Tag] = record.Seq;
                }
            }

            var seqs = new Dictionary<Mutation, ulong>();
            foreach (var m in _journal)
            {
                if ((m.Tag is null ? byKey : byTag).TryGetValue(m.Tag ?? m.PublicKey, out var seq))
                {
                    seqs[m] = seq;
                }
            }

            return seqs;
        }

        private Layout Read()
        {
            var segments = new List<Segment>();
            var files = Directory.GetFiles(Path.Combine(_data, "wal")).Where(f => SegmentName().IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
            foreach (var file in files)
            {
                var records = new List<Rec>();
                var result = WalReader.Read(file, (in WalRecord record) =>
                {
                    string? publicKey = null, tag = null;
                    using var payload = JsonDocument.Parse(record.Entry.Data);
                    if (record.Entry.Type == DeltaType.Register)
                    {
                        publicKey = payload.RootElement.GetProperty("public_key").GetString();
                    }
                    else if (record.Entry.Type == DeltaType.Tags && payload.RootElement.GetProperty("tags").GetArrayLength() == 1)
                    {
                        tag = payload.RootElement.GetProperty("tags")[0].GetString();
                    }

                    records.Add(new Rec(record.Entry.SeqNo, record.Offset, RecordHeaderSize + record.Length, publicKey, tag));
                });
                var bytes = File.ReadAllBytes(file);
                var incomplete = bytes.Length <= 32 && result.Problems.Count > 0;
                Assert.True(result.Problems.Count == 0 || (incomplete && file == files[^1]), $"{file} is damaged before the drill damaged anything: {string.Join("; ", result.Problems.Select(p => p.Message))}");
                var expectedOffset = 32L;
                foreach (var record in records)
                {
                    Assert.Equal(expectedOffset, record.Offset);
                    expectedOffset = record.End;
                }

                segments.Add(new Segment(file, bytes, incomplete, records));
            }

            Assert.NotEmpty(segments);
            var current = Path.Combine(_data, "snapshot.json");
            foreach (var quarantined in new[] { current + ".corrupt" }.Where(File.Exists))
            {
                Assert.Contains(Hash(File.ReadAllBytes(quarantined)), _damagedSnapshots);
            }

            return new Layout(segments, ReadGeneration(current, 0), ReadGeneration(current + ".1", 1));
        }

        private static Generation? ReadGeneration(string path, int index)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            ulong? walSeq;
            string? problem = null;
            try
            {
                walSeq = SnapshotReader.Read(path).WalSeq;
            }
            catch (SnapshotCorruptException ex)
            {
                walSeq = null;
                problem = ex.Message;
            }

            return new Generation(path, index, File.ReadAllBytes(path), walSeq, problem);
        }

        /// <summary>What a start on the undamaged files does: at most an incomplete new segment left by the kill is set aside.</summary>
        private static Expectation Undamaged(Layout layout, Generation? loads = null, Outcome outcome = Outcome.Clean)
        {
            var last = layout.Segments[^1];
            return AfterLog(layout, loads ?? layout.Loads, outcome, last.Incomplete ? Fate.SetAside(last.Bytes) : Fate.Intact);
        }

        /// <summary>A start with <paramref name="loads"/> as the snapshot, on the log whose last segment has met <paramref name="fate"/>.</summary>
        private static Expectation AfterLog(Layout layout, Generation loads, Outcome outcome, Fate fate)
        {
            var last = layout.Segments[^1];
            var S = loads.WalSeq!.Value;
            var sides = new List<(string, byte[])>();
            long cut = 0;
            var firstLost = last.Records.Count;
            switch (fate.Kind)
            {
                case FateKind.SetAside:
                    // An incomplete new segment is moved aside whole (its bytes kept when there are any).
                    firstLost = 0;
                    cut = fate.Content.Length;
                    if (cut > 0)
                    {
                        sides.Add(($"{last.Path}.torn-0", fate.Content));
                    }

                    break;
                case FateKind.Torn:
                    firstLost = fate.FirstLost;
                    cut = fate.Content.Length - fate.From;
                    sides.Add(($"{last.Path}.torn-{fate.From}", fate.Content[(int)fate.From..]));
                    break;
                case FateKind.Shortened:
                    firstLost = fate.FirstLost;
                    break;
            }

            // What the log holds after the repair; its last sequence number is where appending resumes.
            var remaining = layout.Segments.Take(layout.Segments.Count - 1).Select(s => (First: SegmentFirstSeq(s), s.Records)).ToList();
            if (fate.Kind != FateKind.SetAside)
            {
                remaining.Add((SegmentFirstSeq(last), last.Records.Take(firstLost).ToList()));
            }

            var appended = remaining.Count == 0 ? S : remaining[^1].Records.Count > 0 ? remaining[^1].Records[^1].Seq : remaining[^1].First - 1;
            var replayedUpTo = remaining.SelectMany(r => r.Records).Select(r => r.Seq).Where(seq => seq > S).DefaultIfEmpty(S).Max();
            return new Expectation
            {
                Outcome = outcome == Outcome.Repaired && fate.Kind is FateKind.Intact or FateKind.Shortened ? Outcome.Clean : outcome,
                Generation = loads.Index,
                SnapshotSeq = S,
                LastSeq = replayedUpTo,
                BytesCut = cut,
                SideFiles = sides,
                Lost = last.Records.Skip(firstLost).Select(r => r.Seq).Where(seq => seq > S).ToHashSet(),

                // A log that now ends before the snapshot is restarted after it (the older segments are deleted).
                LogRestarts = appended < S,
            };
        }

        private (string, string, byte[], Expectation) CutLastSegment(Layout layout)
        {
            var last = layout.Segments.Count - 1;
            var segment = layout.Segments[last];
            var upper = _random.Next(7) == 0 ? segment.Length : Math.Min(segment.Length, segment.ValidEnd + 32);
            var length = _random.NextInt64(0, upper);
            File.WriteAllBytes(segment.Path, segment.Bytes[..(int)length]);
            var description = $"cut {Path.GetFileName(segment.Path)} ({segment.Length} bytes, records end at {segment.ValidEnd}) to {length} bytes";

            Fate fate;
            var content = segment.Bytes[..(int)length];
            var firstBad = segment.Records.FindIndex(r => r.End > length);
            if (segment.Incomplete || length < 32)
            {
                // Inside the header: an incomplete new segment.
                fate = Fate.SetAside(content);
            }
            else if (firstBad < 0)
            {
                // Past the last record: only zero-filled space is gone.
                fate = Fate.Intact;
            }
            else
            {
                // Cut at a record boundary, or inside a record whose remaining bytes are all zero, there is nothing to
                // repair (the file just ends earlier); otherwise the partial record is a torn tail.
                var from = segment.Records[firstBad].Offset;
                fate = content.AsSpan((int)from).ContainsAnyExcept((byte)0) ? Fate.Torn(content, from, firstBad) : Fate.Shortened(firstBad);
            }

            var expected = AfterLog(layout, layout.Loads, Outcome.Repaired, fate);
            return (description, segment.Path, segment.Bytes, expected);
        }

        private (string, string, byte[], Expectation) FlipBits(Layout layout)
        {
            var index = _random.Next(layout.Segments.Count);
            var segment = layout.Segments[index];
            if (segment.Length == 0)
            {
                index = layout.Segments.FindIndex(s => s.Length > 0);
                segment = layout.Segments[index];
            }

            var upper = _random.Next(7) == 0 ? segment.Length : Math.Min(segment.Length, segment.ValidEnd + 32);
            var offset = _random.NextInt64(0, upper);
            var mask = (byte)_random.Next(1, 256);
            var bytes = (byte[])segment.Bytes.Clone();
            bytes[offset] ^= mask;
            File.WriteAllBytes(segment.Path, bytes);
            var isLast = index == layout.Segments.Count - 1;
            var description = $"flipped bits 0x{mask:x2} at offset {offset} of {Path.GetFileName(segment.Path)} ({(isLast ? "last" : "earlier")} segment, {segment.Length} bytes, records end at {segment.ValidEnd})";
            var record = segment.Records.FindIndex(r => r.Offset <= offset && offset < r.End);

            Expectation Refused(long at) => new()
            {
                Outcome = Outcome.Refused,
                RefusalTexts = ["log is corrupt", $"(file {segment.Path}, offset {at})"],
            };

            Expectation expected;
            if (isLast && segment.Length <= 32)
            {
                // A last segment of no more than a header that does not verify is a new one whose creation did not
                // complete: set aside.
                expected = AfterLog(layout, layout.Loads, Outcome.Repaired, Fate.SetAside(bytes));
            }
            else if (offset < 32)
            {
                expected = Refused(0);
            }
            else if (record >= 0 && record < segment.Records.Count - 1)
            {
                // A valid record follows the damaged one: corruption inside the log.
                expected = Refused(segment.Records[record].Offset);
            }
            else if (!isLast && record >= 0)
            {
                // Damage to the last record of an earlier segment is not a torn tail either: that segment was complete.
                expected = Refused(segment.Records[record].Offset);
            }
            else if (!isLast)
            {
                // Damage in the unused space after an earlier segment's last record: its successor continues the
                // sequence, so nothing is missing; the bytes are set aside and every record stays.
                expected = AfterLog(layout, layout.Loads, Outcome.Repaired, Fate.Intact) with
                {
                    Outcome = Outcome.Repaired,
                    BytesCut = bytes.Length - segment.ValidEnd,
                    SideFiles = [($"{segment.Path}.unused-{segment.ValidEnd}", bytes[(int)segment.ValidEnd..])],
                };
            }
            else
            {
                // The last record, or the zero-filled space after it, of the last segment: a torn tail.
                var from = record >= 0 ? segment.Records[record].Offset : segment.ValidEnd;
                expected = AfterLog(layout, layout.Loads, Outcome.Repaired, Fate.Torn(bytes, from, record >= 0 ? record : segment.Records.Count));
            }

            return (description, segment.Path, segment.Bytes, expected);
        }

        private (string, string, byte[], Expectation) DamageSnapshot(Layout layout, bool truncate)
        {
            var current = layout.Current!;
            var bytes = (byte[])current.Bytes.Clone();
            string description;
            if (truncate)
            {
                var length = _random.Next(0, bytes.Length);
                bytes = bytes[..length];
                description = $"truncated snapshot.json ({current.Bytes.Length} bytes, wal_seq {current.WalSeq}) to {length} bytes";
            }
            else
            {
                var offset = _random.Next(bytes.Length);
                var count = Math.Min(_random.Next(1, 5), bytes.Length - offset);
                for (var i = 0; i < count; i++)
                {
                    bytes[offset + i] ^= (byte)_random.Next(1, 256);
                }

                description = $"corrupted {count} bytes at offset {offset} of snapshot.json ({current.Bytes.Length} bytes, wal_seq {current.WalSeq})";
            }

            File.WriteAllBytes(current.Path, bytes);
            _damagedSnapshots.Add(Hash(bytes));
            var previous = layout.Previous;
            var first = layout.Segments[0];
            Expectation expected;
            if (previous is not { WalSeq: { } previousSeq })
            {
                expected = new Expectation { Outcome = Outcome.Refused, RefusalTexts = ["no snapshot generation verifies", current.Path] };
            }
            else if (!first.Incomplete && SegmentFirstSeq(first) > previousSeq + 1 && _logRestarted)
            {
                // Only after an earlier repair lost records the snapshot held was the log restarted after that snapshot;
                // without that, the log since the previous generation must still be there.
                expected = new Expectation { Outcome = Outcome.Refused, RefusalTexts = [$"the log starts at sequence {SegmentFirstSeq(first)} but the snapshot covers only up to {previousSeq}"] };
            }
            else
            {
                expected = Undamaged(layout, previous, Outcome.FellBack);
            }

            return (description, current.Path, current.Bytes, expected);
        }

        private static ulong SegmentFirstSeq(Segment segment) => ulong.Parse(Path.GetFileNameWithoutExtension(segment.Path), CultureInfo.InvariantCulture);

        private void CheckSideFiles(HashSet<string> before, List<(string Name, byte[] Content)> expected)
        {
            var created = Directory.GetFiles(Path.Combine(_data, "wal")).Where(f => !before.Contains(f) && SideFileName().IsMatch(f)).ToList();
            Assert.True(created.Count == expected.Count, $"side files created: [{string.Join(", ", created)}], expected [{string.Join(", ", expected.Select(e => e.Name))}]");
            foreach (var (name, content) in expected)
            {
                var file = created.SingleOrDefault(f => f == name || f.StartsWith(name + ".", StringComparison.Ordinal));
                Assert.True(file is not null, $"no side file {name} among [{string.Join(", ", created)}]");
                Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"{file} does not hold the {content.Length} bytes cut");
            }
        }

        private async Task<ServeProcess> StartAsync()
        {
            _frequentSnapshots = _random.Next(2) == 0;
            for (var attempt = 1; ; attempt++)
            {
                _metricsPort = LoopbackPort.Free();
                try
                {
                    return await ServeProcess.StartAsync(_data, ct, null, Environment(), "--metrics-listen", $"127.0.0.1:{_metricsPort}");
                }
                catch (InvalidOperationException ex) when (attempt < 3 && ServeProcess.IsPortTaken(ex))
                {
                    // The metrics port was taken between finding it free and the child binding it. The child takes
                    // its ports before recovery, so the failed attempt changed no file and the expectation still holds.
                }
            }
        }

        private Dictionary<string, string> Environment() =>
            _frequentSnapshots ? new Dictionary<string, string>(FaultDrill.SnapshotEveryTick, StringComparer.Ordinal) : [];

        private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

        [GeneratedRegex(@"^\d{20}\.wal$")]
        private static partial Regex SegmentName();

        [GeneratedRegex(@"\.wal\.(torn|corrupt|discarded|unused)-\d+(\.\d+)?$")]
        private static partial Regex SideFileName();
    }
}
