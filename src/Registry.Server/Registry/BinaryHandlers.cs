using System.Buffers.Binary;
using Registry.Core;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;
using Registry.Server.Security;

namespace Registry.Server.Registry;

/// <summary>The binary protocol's hot-path requests (§1.3): heartbeat (0x01), lookup (0x02) and resolve (0x03).</summary>
/// <remarks>
/// Same rules as their JSON twins (signatures, verify-skip, per-IP query bucket, durable heartbeat, reads that wait
/// for what they saw to be acknowledged), different encoding. A payload of the wrong size is answered with an error
/// frame and the connection stays open: the frame itself was well formed. Public keys travel as their 32 raw bytes.
/// </remarks>
internal sealed class BinaryHandlers(DurableRegistry registry, RequestAuth auth, TimeProvider time, PerIpLimits limits, RecentVerifications recent, NodeHandlers nodes, string beaconAddress)
{
    private const int IdBytes = 4;
    private const int PublicKeyBytes = 32;
    private const uint UnknownKeyAge = uint.MaxValue;

    /// <summary>Maps the binary message types.</summary>
    public void Map(RequestDispatcher dispatcher, HandlerGuard guard)
    {
        dispatcher
            .MapBinary(BinaryWire.Heartbeat, guard.Wrap(HeartbeatAsync))
            .MapBinary(BinaryWire.Lookup, guard.Wrap(LookupAsync))
            .MapBinary(BinaryWire.Resolve, guard.Wrap(ResolveAsync));
    }

    private async ValueTask<Response> HeartbeatAsync(RequestContext context, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (SizeError("heartbeat", payload, IdBytes + BinaryWire.SignatureBytes) is { } invalid)
        {
            return invalid;
        }

        var nodeId = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
        if (!recent.IsFresh(nodeId))
        {
            if (auth.RequireRawSignature(nodeId, payload.Span[IdBytes..], Challenges.Heartbeat(nodeId)) is { } denied)
            {
                return Response.Failure(denied);
            }

            recent.MarkVerified(nodeId);
        }

        var result = await nodes.BeatAsync(nodeId, cancellationToken).ConfigureAwait(false);
        return Response.BuildBinary(BinaryWire.Heartbeat | BinaryWire.ReplyBit, result, static (w, r) =>
        {
            w.I64(r.Time.ToUnixTimeSeconds());
            w.U8(r.KeyExpiryWarning ? (byte)1 : (byte)0);
        });
    }

    private async ValueTask<Response> LookupAsync(RequestContext context, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (SizeError("lookup", payload, IdBytes) is { } invalid)
        {
            return invalid;
        }

        if (QueryHandlers.QueryRefusal(limits, context) is { } refused)
        {
            return Response.Failure(refused);
        }

        var nodeId = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
        var node = await registry.ReadAsync(r => r.Lookup(nodeId), cancellationToken).ConfigureAwait(false);
        if (node is null)
        {
            return Response.Failure(RequestAuth.NotFound(nodeId));
        }

        if (BinaryPayloadWriter.Utf8Length(node.ExternalId) > byte.MaxValue)
        {
            // The u8 prefix cannot carry it; the JSON lookup can.
            return Response.Failure($"node {nodeId}: external_id too long for the binary protocol (use JSON lookup)");
        }

        return Response.BuildBinary(BinaryWire.Lookup | BinaryWire.ReplyBit, (node, beaconAddress), static (w, s) =>
        {
            var n = s.node;
            w.U32(n.Id);
            w.U8((byte)((n.Public ? 1 : 0) | (n.TaskExec ? 2 : 0)));
            w.U32(0);
            w.U16((ushort)n.Networks.Count);
            foreach (var network in n.Networks)
            {
                w.U16(network);
            }

            Span<byte> key = stackalloc byte[PublicKeyBytes + 1];
            var written = Convert.TryFromBase64String(n.PublicKey, key, out var length) ? length : 0;
            w.Bytes8(key[..written]);
            w.String8(n.Hostname);
            w.U8((byte)n.Tags.Count);
            foreach (var tag in n.Tags)
            {
                w.String8(tag);
            }

            w.String16(n.Public ? QueryHandlers.AdvertisedAddress(n, s.beaconAddress) : string.Empty);
            w.String8(n.ExternalId);
        });
    }

    private async ValueTask<Response> ResolveAsync(RequestContext context, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (SizeError("resolve", payload, IdBytes + IdBytes + BinaryWire.SignatureBytes) is { } invalid)
        {
            return invalid;
        }

        var nodeId = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
        var requesterId = BinaryPrimitives.ReadUInt32BigEndian(payload.Span[IdBytes..]);
        if (auth.RequireRawSignature(requesterId, payload.Span[(2 * IdBytes)..], Challenges.Resolve(requesterId, nodeId)) is { } denied)
        {
            return Response.Failure(QueryHandlers.ResolveDenied(denied, requesterId));
        }

        var node = await registry.ReadAsync(r => r.Resolve(nodeId, requesterId), cancellationToken).ConfigureAwait(false);
        var keyAge = node.Key.AgeDays(time.GetUtcNow()) is { } days ? (uint)Math.Max(days, 0) : UnknownKeyAge;
        return Response.BuildBinary(BinaryWire.Resolve | BinaryWire.ReplyBit, (node, keyAge, beaconAddress), static (w, s) =>
        {
            var n = s.node;
            w.U32(n.Id);
            w.String16(QueryHandlers.AdvertisedAddress(n, s.beaconAddress));
            var lan = n.RelayOnly ? [] : n.LanAddrs;
            w.U16((ushort)lan.Count);
            foreach (var address in lan)
            {
                w.String16(address);
            }

            w.U32(s.keyAge);
        });
    }

    private static Response? SizeError(string name, ReadOnlyMemory<byte> payload, int expected) =>
        payload.Length == expected ? null : Response.Failure($"invalid {name} payload: {payload.Length} bytes, want {expected}");
}
