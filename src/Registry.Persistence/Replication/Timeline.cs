using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Registry.Persistence.IO;

namespace Registry.Persistence.Replication;

/// <summary>One epoch of a history: the records from <see cref="Start"/> on were written by a primary in this epoch.</summary>
/// <param name="Number">The epoch number; 1 for a history that was never promoted.</param>
/// <param name="Start">The first sequence number written in this epoch.</param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct TimelineEpoch(ulong Number, ulong Start);

/// <summary>
/// Which primary wrote which part of this server's log: a new epoch begins at every promotion (PostgreSQL's timeline
/// history, Raft's terms), so two servers can tell whether their histories split even after both compacted the
/// records where they did.
/// </summary>
/// <remarks>
/// <para>A standby that resumes tells its primary its epoch and last sequence. If the primary left that epoch at
/// sequence S (a promotion began a later one there) and the standby holds S or beyond, the standby's records from S
/// on were written by a primary the promoted one had stopped following: their histories diverged at S, whatever
/// compaction kept. A standby whose epoch is newer than its primary's is following a primary that was superseded.</para>
/// <para>Immutable. Stored as <c>timeline.json</c> in the data directory (<see cref="Load"/>, <see cref="Save"/>), with
/// whether the server last ran as a standby, so that starting a former standby as a primary is a promotion too, the
/// newer epoch that superseded it when it was a primary (<see cref="SupersededBy"/>), so that the fence survives a
/// restart, and the sequence at which it stepped down for a switchover (<see cref="SteppedDownAt"/>), so that a
/// restart in the middle of one does not take writes again.</para>
/// </remarks>
public sealed class Timeline
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "timeline.json";

    private Timeline(IReadOnlyList<TimelineEpoch> epochs, bool following, ulong? supersededBy = null, ulong? steppedDownAt = null)
    {
        Epochs = epochs;
        Following = following;
        SupersededBy = supersededBy;
        SteppedDownAt = steppedDownAt;
    }

    /// <summary>The history of a server that was never promoted: epoch 1 from sequence 1, not following.</summary>
    public static Timeline Initial { get; } = new([new TimelineEpoch(1, 1)], following: false);

    /// <summary>The epochs, oldest first: numbers strictly increase, starts never decrease, the first starts at 1.</summary>
    public IReadOnlyList<TimelineEpoch> Epochs { get; }

    /// <summary>Whether the server last ran as a standby.</summary>
    public bool Following { get; }

    /// <summary>The newer epoch another server began while this one was a primary, once this one learnt of it; null otherwise. A primary with it set refuses writes.</summary>
    public ulong? SupersededBy { get; }

    /// <summary>The last sequence this server acknowledged before it stepped down for a switchover, while it has not taken writes again since; null otherwise. A primary with it set refuses writes.</summary>
    public ulong? SteppedDownAt { get; }

    /// <summary>The current epoch's number.</summary>
    public ulong Current => Epochs[^1].Number;

    /// <summary>The sequence at which this history left <paramref name="epoch"/> (the start of the first later epoch), or null while it is still in it or never saw a later one.</summary>
    public ulong? LeftAt(ulong epoch)
    {
        foreach (var e in Epochs)
        {
            if (e.Number > epoch)
            {
                return e.Start;
            }
        }

        return null;
    }

    /// <summary>The history after a promotion at which this server's next record is <paramref name="nextSequence"/>: a new epoch, numbered above every one seen, starting there.</summary>
    /// <remarks>
    /// Epochs that began beyond <paramref name="nextSequence"/> (learnt from a primary whose records of them never
    /// arrived) are dropped: this server never held any of their records. The number is also above a
    /// <see cref="SupersededBy"/> mark, which the promotion clears.
    /// </remarks>
    public Timeline Promote(ulong nextSequence)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nextSequence);
        var kept = Epochs.Where(e => e.Start <= nextSequence).ToList();
        kept.Add(new TimelineEpoch(Math.Max(Current, SupersededBy ?? 0) + 1, nextSequence));
        return new Timeline(kept, following: false);
    }

    /// <summary>This history with <see cref="Following"/> set to <paramref name="following"/>.</summary>
    public Timeline WithFollowing(bool following) => following == Following ? this : new Timeline(Epochs, following, SupersededBy, SteppedDownAt);

    /// <summary>This history marked as superseded by <paramref name="epoch"/> (a newer epoch begun elsewhere); a larger mark is kept.</summary>
    public Timeline Superseded(ulong epoch) =>
        epoch <= Current || epoch <= (SupersededBy ?? 0) ? this : new Timeline(Epochs, Following, epoch, SteppedDownAt);

    /// <summary>This history marked as stepped down for a switchover after <paramref name="sequence"/>, or, with null, taking writes again.</summary>
    public Timeline WithSteppedDown(ulong? sequence) => sequence == SteppedDownAt ? this : new Timeline(Epochs, Following, SupersededBy, sequence);

    /// <summary>A primary's history adopted by its standby (which keeps following).</summary>
    public static Timeline Adopt(IReadOnlyList<TimelineEpoch> epochs) => new(Validate(epochs, "primary's timeline"), following: true);

    /// <summary>Whether <paramref name="other"/> holds the same epochs and role.</summary>
    public bool SameAs(Timeline other) =>
        other is not null && other.Following == Following && other.SupersededBy == SupersededBy && other.SteppedDownAt == SteppedDownAt && other.Epochs.SequenceEqual(Epochs);

    /// <summary>The epochs as a JSON array of <c>{"epoch":N,"start":S}</c> objects.</summary>
    public void WriteEpochs(Utf8JsonWriter writer, string propertyName)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray(propertyName);
        foreach (var e in Epochs)
        {
            writer.WriteStartObject();
            writer.WriteNumber("epoch", e.Number);
            writer.WriteNumber("start", e.Start);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Reads an array written by <see cref="WriteEpochs"/>.</summary>
    /// <exception cref="FormatException">The array is malformed or breaks the ordering rules.</exception>
    public static IReadOnlyList<TimelineEpoch> ReadEpochs(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("epochs must be an array");
        }

        var epochs = new List<TimelineEpoch>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("epoch", out var n) || !n.TryGetUInt64(out var number)
                || !item.TryGetProperty("start", out var s) || !s.TryGetUInt64(out var start))
            {
                throw new FormatException("each epoch must be {\"epoch\":N,\"start\":S} with unsigned integers");
            }

            epochs.Add(new TimelineEpoch(number, start));
        }

        return Validate(epochs, "timeline");
    }

    /// <summary>The timeline stored in <paramref name="directory"/>, or <see cref="Initial"/> when there is none (a data directory from before timelines, or a new one).</summary>
    /// <exception cref="PersistenceException">The file exists but cannot be read or is malformed; nothing is guessed.</exception>
    public static Timeline Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return Initial;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PersistenceException($"cannot read {path}: {ex.Message}", path, innerException: ex);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("epochs", out var epochs)
                || !root.TryGetProperty("following", out var following) || following.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw new FormatException("expected {\"epochs\":[...],\"following\":true|false}");
            }

            ulong? supersededBy = null;
            if (root.TryGetProperty("superseded_by", out var mark))
            {
                supersededBy = mark.TryGetUInt64(out var epoch) && epoch > 0 ? epoch : throw new FormatException("superseded_by must be an epoch number");
            }

            ulong? steppedDownAt = null;
            if (root.TryGetProperty("stepped_down_at", out var stepped))
            {
                steppedDownAt = stepped.TryGetUInt64(out var sequence) ? sequence : throw new FormatException("stepped_down_at must be a sequence number");
            }

            return new Timeline(ReadEpochs(epochs), following.GetBoolean(), supersededBy, steppedDownAt);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new PersistenceException($"{path} is damaged ({ex.Message}); it records which primary wrote which part of the log, so it is not rebuilt by guessing: restore it from a backup or from the server this one followed", path, innerException: ex);
        }
    }

    /// <summary>Replaces the timeline in <paramref name="directory"/> durably: written to a temporary file, synced, renamed over the old one, directory synced.</summary>
    /// <exception cref="IOException">Writing or syncing failed; the old file is still in place.</exception>
    public void Save(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteEpochs(writer, "epochs");
            writer.WriteBoolean("following", Following);
            if (SupersededBy is { } epoch)
            {
                writer.WriteNumber("superseded_by", epoch);
            }

            if (SteppedDownAt is { } sequence)
            {
                writer.WriteNumber("stepped_down_at", sequence);
            }
            writer.WriteEndObject();
        }

        using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, buffer.WrittenSpan, 0);
            Durability.SyncAll(handle, temporary);
        }

        File.Move(temporary, path, overwrite: true);
        Durability.SyncDirectory(directory);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Join(", ", Epochs.Select(e => string.Create(CultureInfo.InvariantCulture, $"epoch {e.Number} from {e.Start}")))
        + (Following ? " (following)" : string.Empty)
        + (SupersededBy is { } epoch ? string.Create(CultureInfo.InvariantCulture, $" (superseded by epoch {epoch})") : string.Empty)
        + (SteppedDownAt is { } sequence ? string.Create(CultureInfo.InvariantCulture, $" (stepped down at sequence {sequence})") : string.Empty);

    private static List<TimelineEpoch> Validate(IReadOnlyList<TimelineEpoch> epochs, string what)
    {
        if (epochs.Count == 0 || epochs[0].Start != 1 || epochs[0].Number == 0)
        {
            throw new FormatException($"{what}: the first epoch must have a number above 0 and start at sequence 1");
        }

        for (var i = 1; i < epochs.Count; i++)
        {
            if (epochs[i].Number <= epochs[i - 1].Number || epochs[i].Start < epochs[i - 1].Start)
            {
                throw new FormatException($"{what}: epoch numbers must increase and starts must not decrease (epoch {epochs[i].Number} from {epochs[i].Start} after epoch {epochs[i - 1].Number} from {epochs[i - 1].Start})");
            }
        }

        return [.. epochs];
    }
}
