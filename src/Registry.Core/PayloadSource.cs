using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>A delta's payload for the applier: the object a live mutation just encoded, or else the bytes to decode.</summary>
/// <remarks>
/// The live path hands over its payload object only for kinds whose payload decodes back to an equal object
/// (<see cref="DeltaPayload.RoundTripsExactly"/>), so applying it changes the state exactly as replaying the logged
/// bytes would; it saves a JSON decode per mutation. Replay always decodes.
/// </remarks>
internal readonly ref struct PayloadSource
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly object? _decoded;

    /// <summary>A source over <paramref name="data"/>, with the already decoded <paramref name="decoded"/> if the caller has it.</summary>
    public PayloadSource(ReadOnlySpan<byte> data, object? decoded = null)
    {
        _data = data;
        _decoded = decoded;
    }

    /// <summary>The payload as <typeparamref name="T"/>.</summary>
    /// <exception cref="DeltaPayloadException">The bytes are not a valid <typeparamref name="T"/> payload.</exception>
    public T Get<T>()
        where T : class, new() => _decoded as T ?? DeltaPayload.Decode<T>(_data);
}
