using System.Text.Json;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Snapshots;

/// <summary>
/// Reads one snapshot file in a single streaming pass: System.Text.Json (source-generated, Go's decoding rules of
/// §6.8) decodes while <see cref="SpliceHashingStream"/> hashes, so the file is never held in memory as a whole.
/// </summary>
/// <remarks>
/// Acceptance is all or nothing: a file that does not decode, holds a <c>null</c> node or network, has a malformed
/// time, a v1 file without a checksum, a checksum mismatch or an unknown version throws
/// <see cref="SnapshotCorruptException"/> and yields no state. Unlike the Go original, which only logs a mismatch,
/// a mismatch is refused: the caller falls back to another generation (design-brief §3).
/// </remarks>
public static class SnapshotReader
{
    /// <summary>Reads and verifies <paramref name="path"/>.</summary>
    public static VerifiedSnapshot Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotCorruptException(SnapshotProblem.Unreadable, ex.Message, path, innerException: ex);
        }

        using (file)
        {
            return NoCollectionRegion.Run(file.Length * 3, () => Read(file, file.Length, path));
        }
    }

    /// <summary>Reads and verifies a snapshot of <paramref name="length"/> bytes from <paramref name="stream"/>; <paramref name="path"/> names it in errors.</summary>
    public static VerifiedSnapshot Read(Stream stream, long length, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var hashing = new SpliceHashingStream(stream, length);
        var snapshot = Decode(hashing, path);
        if (hashing.BytesRead != length)
        {
            throw new SnapshotCorruptException(SnapshotProblem.Unreadable, $"file changed while it was read ({length} bytes at open, {hashing.BytesRead} read)", path);
        }

        if (hashing.StartsWithBom)
        {
            throw new SnapshotCorruptException(SnapshotProblem.Undecodable, "file starts with a UTF-8 byte-order mark", path, 0);
        }

        SnapshotValidator.Validate(snapshot, path);
        var checksum = VerifyChecksum(snapshot, hashing, path);
        return new VerifiedSnapshot { Path = path, Snapshot = snapshot, Length = length, Checksum = checksum };
    }

    private static Snapshot Decode(SpliceHashingStream stream, string path)
    {
        Snapshot? snapshot;
        try
        {
            using (StringPool.Enter())
            {
                snapshot = JsonSerializer.Deserialize(stream, SnapshotJsonContext.Default.Snapshot);
            }
        }
        catch (JsonException ex)
        {
            // A snapshot is one line, so the position in the line is the byte offset.
            throw new SnapshotCorruptException(SnapshotProblem.Undecodable, ex.Message, path, ex.BytePositionInLine ?? -1, ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            // Transcoding failures (e.g. a lone surrogate escape) surface as these rather than JsonException.
            throw new SnapshotCorruptException(SnapshotProblem.Undecodable, ex.Message, path, innerException: ex);
        }
        catch (IOException ex)
        {
            throw new SnapshotCorruptException(SnapshotProblem.Unreadable, ex.Message, path, stream.BytesRead, ex);
        }

        return snapshot ?? throw new SnapshotCorruptException(SnapshotProblem.Undecodable, "document is null", path, 0);
    }

    private static string? VerifyChecksum(Snapshot snapshot, SpliceHashingStream stream, string path)
    {
        if (string.IsNullOrEmpty(snapshot.Checksum))
        {
            if (snapshot.Version >= 1)
            {
                throw new SnapshotCorruptException(SnapshotProblem.MissingChecksum, $"version {snapshot.Version} file has no checksum", path);
            }

            // Version 0 is the legacy format, which never had a checksum.
            return null;
        }

        var trailerOffset = stream.ExpectedLength - SnapshotChecksum.TrailerLength;
        if (stream.ExpectedLength <= SnapshotChecksum.TrailerLength
            || !SnapshotChecksum.TryParseTrailer(stream.Tail, out var trailerHex)
            || !string.Equals(trailerHex, snapshot.Checksum, StringComparison.Ordinal))
        {
            throw new SnapshotCorruptException(
                SnapshotProblem.MalformedChecksum,
                "the checksum is not the final member in the form ,\"checksum\":\"<64 lowercase hex>\"}",
                path,
                Math.Max(0, trailerOffset));
        }

        var computed = stream.FinishSpliceHash();
        if (!string.Equals(computed, trailerHex, StringComparison.Ordinal))
        {
            throw new SnapshotCorruptException(
                SnapshotProblem.ChecksumMismatch,
                $"checksum mismatch: stored {trailerHex}, computed {computed}",
                path,
                trailerOffset);
        }

        return computed;
    }
}
