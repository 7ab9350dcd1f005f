using System.Security.Cryptography;

namespace Registry.Persistence.Snapshots;

/// <summary>
/// A read-only pass-through stream that hashes every byte before the last 79 and keeps those 79 aside, so a
/// snapshot is verified by the splice rule (§4.3 (B)) in the same single pass that decodes it, without a copy
/// of the file in memory.
/// </summary>
internal sealed class SpliceHashingStream : Stream
{
    private readonly Stream _inner;
    private readonly long _hashLimit;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _tail = new byte[SnapshotChecksum.TrailerLength];
    private readonly byte[] _head = new byte[3];
    private long _position;

    public SpliceHashingStream(Stream inner, long length)
    {
        _inner = inner;
        ExpectedLength = length;
        _hashLimit = Math.Max(0, length - SnapshotChecksum.TrailerLength);
    }

    /// <summary>The file length when it was opened; the tail is taken relative to it.</summary>
    public long ExpectedLength { get; }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>True when the file starts with a UTF-8 byte-order mark, which Go rejects (and System.Text.Json skips).</summary>
    public bool StartsWithBom => _position >= 3 && _head is [0xEF, 0xBB, 0xBF];

    /// <summary>The last 79 bytes of the file (fewer bytes are left zero when the file is shorter).</summary>
    public ReadOnlySpan<byte> Tail => _tail;

    /// <summary>Finishes the hash of <c>file[0 .. len-79] + "}"</c> and returns it as lowercase hex.</summary>
    public string FinishSpliceHash()
    {
        _hash.AppendData("}"u8);
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> chunk)
    {
        var start = _position;
        for (var i = 0; i < chunk.Length && start + i < _head.Length; i++)
        {
            _head[start + i] = chunk[i];
        }

        if (start < _hashLimit)
        {
            var hashed = (int)Math.Min(chunk.Length, _hashLimit - start);
            _hash.AppendData(chunk[..hashed]);
        }

        // Bytes past the length seen at open (the file grew) are not part of the tail; the decoder then sees a
        // trailer that does not match, which is reported rather than guessed around.
        var tailStart = ExpectedLength - SnapshotChecksum.TrailerLength;
        var from = Math.Max(start, tailStart);
        var to = Math.Min(start + chunk.Length, ExpectedLength);
        if (from < to)
        {
            chunk.Slice((int)(from - start), (int)(to - from)).CopyTo(_tail.AsSpan((int)(from - tailStart)));
        }

        _position += chunk.Length;
    }
}
