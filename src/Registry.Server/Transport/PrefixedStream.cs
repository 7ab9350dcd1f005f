namespace Registry.Server.Transport;

/// <summary>A connection's stream that first returns bytes already read from it: an event loop handing a connection over (<see cref="EventLoop"/>).</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : WrappingStream(inner)
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _prefix.IsEmpty ? Inner.ReadAsync(buffer, cancellationToken) : new ValueTask<int>(TakePrefix(buffer.Span));

    public override int Read(byte[] buffer, int offset, int count) =>
        _prefix.IsEmpty ? Inner.Read(buffer, offset, count) : TakePrefix(buffer.AsSpan(offset, count));

    private int TakePrefix(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _prefix.Length);
        _prefix.Span[..count].CopyTo(destination);
        _prefix = _prefix[count..];
        return count;
    }
}
