using System.Buffers.Binary;

namespace Registry.Persistence.Wal.Legacy;

/// <summary>Reads a WAL written by the Go registry (<c>[u32 LE length][JSON body]</c> records, no header) exactly as Go's <c>Replay</c> does.</summary>
/// <remarks>
/// <para>Algorithm (format-spec §2.4): 0 bytes of a length prefix end the log; 1–3 bytes are a torn
/// prefix, which Go treats as a clean end (reported here as a <see cref="WalProblemKind.TornTail"/>
/// problem with no <see cref="LegacyReadResult.Error"/>); a length above <see cref="MaxEntryBytes"/> stops
/// with <c>WAL entry &lt;count&gt; too large: &lt;L&gt; bytes</c>; a short body stops with
/// <c>read WAL data at entry &lt;count&gt;: unexpected EOF</c> (<c>: EOF</c> when no body byte is present);
/// a body that does not decode is skipped, not counted, and reading goes on. <c>&lt;count&gt;</c> is the
/// number of entries delivered so far.</para>
/// <para>Failure policy: damage in the file is a result, never an exception. I/O failures throw
/// <see cref="PersistenceException"/>; an exception from the callback propagates unchanged and ends the read
/// (<see cref="Replay"/> instead turns a rejected entry into Go's <c>apply WAL entry &lt;count&gt;: &lt;err&gt;</c>).</para>
/// <para>Memory: the file is streamed through one pooled buffer of at least 64 KiB and at most about
/// <see cref="MaxEntryBytes"/> plus read-ahead. Threading: each call is independent; the callback runs on
/// the calling thread.</para>
/// </remarks>
public static class LegacyWalReader
{
    /// <summary>The largest body length Go's replay accepts (1 MiB); a larger length prefix stops the replay.</summary>
    public const int MaxEntryBytes = 1_048_576;

    /// <summary>The most problems a result lists; further skipped records are only counted.</summary>
    public const int MaxReportedProblems = 1_000;

    private const int BufferBytes = 64 * 1024;

    private static ReadOnlySpan<byte> NewFormatMagic => "PILOTWAL"u8;

    /// <summary>Whether a file whose first bytes are <paramref name="first8"/> should be read as a Go-format WAL.</summary>
    /// <remarks>
    /// Only the new format has a header, the 8 ASCII bytes <c>PILOTWAL</c>; everything else, including an
    /// empty or shorter file, is legacy. A Go WAL cannot start with those bytes and still be readable:
    /// as a length prefix they exceed <see cref="MaxEntryBytes"/>.
    /// </remarks>
    /// <param name="first8">The first 8 bytes of the file, or all of it when it is shorter.</param>
    /// <returns>True unless the bytes start with the new format's magic.</returns>
    public static bool LooksLegacy(ReadOnlySpan<byte> first8) => !first8.StartsWith(NewFormatMagic);

    /// <summary>Reads the whole file, calling <paramref name="onEntry"/> for every entry Go would deliver, in file order.</summary>
    /// <param name="path">The WAL file; it must exist.</param>
    /// <param name="onEntry">Receives each entry. The entry's data is valid only during the call; use <see cref="LegacyRecord.Detach"/> to keep it.</param>
    /// <param name="cancellationToken">Checked between records.</param>
    /// <returns>The count, the Go error text and the problems found.</returns>
    /// <exception cref="PersistenceException">Reading the file failed.</exception>
    public static LegacyReadResult Read(string path, Action<LegacyRecord> onEntry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onEntry);
        return Replay(
            path,
            record =>
            {
                onEntry(record);
                return null;
            },
            cancellationToken);
    }

    /// <summary>Reads the file like <see cref="Read"/>, stopping at the first entry <paramref name="apply"/> rejects, exactly as Go's <c>Replay(fn)</c> does.</summary>
    /// <remarks>
    /// When <paramref name="apply"/> returns an error text, reading stops; <see cref="LegacyReadResult.Error"/> is
    /// <c>apply WAL entry &lt;count&gt;: &lt;text&gt;</c>, the rejected entry is not counted, and
    /// <see cref="LegacyReadResult.ValidBytes"/> ends before it. This is not file damage, so no problem is added.
    /// </remarks>
    /// <param name="path">The WAL file; it must exist.</param>
    /// <param name="apply">Applies each entry and returns null, or the reason it could not. The entry's data is valid only during the call.</param>
    /// <param name="cancellationToken">Checked between records.</param>
    /// <returns>The count, the Go error text and the problems found.</returns>
    /// <exception cref="PersistenceException">Reading the file failed.</exception>
    public static LegacyReadResult Replay(string path, Func<LegacyRecord, string?> apply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(apply);

        // Share with writers and deleters: a Go or C# registry may hold the log open while a tool reads it.
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var fileBytes = RandomAccess.GetLength(handle);
        using var window = new FileWindow(handle, fileBytes, BufferBytes);

        var problems = new List<WalProblem>();
        var count = 0;
        var skipped = 0;
        var unreported = 0;
        var offset = 0L;
        var tornTail = false;
        string? error = null;

        void Report(WalProblemKind kind, long at, string message)
        {
            if (problems.Count < MaxReportedProblems)
            {
                problems.Add(new WalProblem(at, kind, message) { FilePath = path });
            }
            else
            {
                unreported++;
            }
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prefix = Get(window, path, offset, 4, count);
            if (prefix.Length == 0)
            {
                break;
            }

            if (prefix.Length < 4)
            {
                tornTail = true;
                Report(WalProblemKind.TornTail, offset, $"torn length prefix: {prefix.Length} of 4 bytes at the end of the file (a clean end for Go)");
                break;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix.Span);
            if (length > MaxEntryBytes)
            {
                error = $"WAL entry {count} too large: {length} bytes";
                Report(WalProblemKind.Oversize, offset, error);
                break;
            }

            var body = Get(window, path, offset + 4, (int)length, count);
            if (body.Length < length)
            {
                tornTail = true;
                error = body.Length == 0 ? $"read WAL data at entry {count}: EOF" : $"read WAL data at entry {count}: unexpected EOF";
                Report(WalProblemKind.TornTail, offset, $"{error} ({body.Length} of {length} body bytes present)");
                break;
            }

            if (GoEnvelope.TryDecodeInPlace(body, out var entry, out var why))
            {
                var rejected = apply(new LegacyRecord(offset, (int)length, entry));
                if (rejected is not null)
                {
                    error = $"apply WAL entry {count}: {rejected}";
                    break;
                }

                count++;
            }
            else
            {
                skipped++;
                Report(WalProblemKind.SkippedRecord, offset, $"record of {length} bytes skipped, body does not decode: {why}");
            }

            offset += 4 + length;
        }

        return new LegacyReadResult(count, problems, unreported > 0, skipped, fileBytes, offset, tornTail, error);
    }

    private static ReadOnlyMemory<byte> Get(FileWindow window, string path, long offset, int count, int entries)
    {
        try
        {
            return window.Get(offset, count);
        }
        catch (IOException ex) when (ex is not PersistenceException)
        {
            throw new PersistenceException($"read WAL at entry {entries}: {ex.Message}", path, offset, ex);
        }
    }
}
