using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core;

/// <summary>Trust pairs and the handshake flow (wire-protocol §3.5).</summary>
public sealed partial class NodeRegistry
{
    /// <summary>Creates the symmetric trust pair between two nodes on one side's word.</summary>
    /// <exception cref="RegistryException">Either node is unknown.</exception>
    public MutationResult ReportTrust(uint nodeId, uint peerId)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            RequireNode(peerId);
            return new MutationResult(Commit(DeltaType.TrustAdd, nodeId, TrustPairDelta.Between(nodeId, peerId)));
        }
    }

    /// <summary>Removes the trust pair between two nodes.</summary>
    /// <exception cref="RegistryException">There is no such pair.</exception>
    public MutationResult RevokeTrust(uint nodeId, uint peerId)
    {
        lock (_lock)
        {
            if (!_state.TrustPairs.Contains(RegistryState.Pair(nodeId, peerId)))
            {
                throw new RegistryException(RegistryErrorCode.NoTrustPair, $"no trust pair between {nodeId} and {peerId}");
            }

            return new MutationResult(Commit(DeltaType.TrustRevoke, nodeId, TrustPairDelta.Between(nodeId, peerId)));
        }
    }

    /// <summary>Queues a handshake request from one node in another's inbox.</summary>
    /// <exception cref="RegistryException">Unknown node, justification too large, a request already pending, or the inbox full.</exception>
    public MutationResult RequestHandshake(uint fromNodeId, uint toNodeId, string justification)
    {
        ArgumentNullException.ThrowIfNull(justification);
        var size = Encoding.UTF8.GetByteCount(justification);
        if (size > _options.MaxJustificationBytes)
        {
            throw new RegistryException(RegistryErrorCode.JustificationTooLarge, $"justification too large: {size} bytes (max {_options.MaxJustificationBytes})");
        }

        lock (_lock)
        {
            RequireNode(fromNodeId);
            RequireNode(toNodeId);
            if (_state.PendingHandshakes.Contains((toNodeId, fromNodeId)))
            {
                throw new RegistryException(RegistryErrorCode.HandshakeAlreadyPending, $"handshake request already pending from node {fromNodeId}");
            }

            if (_state.HandshakeInbox.TryGetValue(toNodeId, out var inbox) && inbox.Count >= _options.MaxHandshakeInbox)
            {
                throw new RegistryException(RegistryErrorCode.HandshakeInboxFull, $"handshake inbox full for node {toNodeId}");
            }

            return new MutationResult(Commit(DeltaType.HandshakeRequest, fromNodeId, new HandshakeRequestDelta
            {
                ToNodeId = toNodeId,
                FromNodeId = fromNodeId,
                Justification = justification,
                Timestamp = Times.Format(Now()),
            }));
        }
    }

    /// <summary>Answers a handshake request: accept creates the trust pair; either way the answer goes to the requester's response inbox.</summary>
    /// <exception cref="RegistryException">Unknown responder, or accept without a pending request.</exception>
    public MutationResult RespondHandshake(uint nodeId, uint peerId, bool accept)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            if (accept && !_state.PendingHandshakes.Contains((nodeId, peerId)))
            {
                throw new RegistryException(RegistryErrorCode.NoPendingHandshake, $"no pending handshake request from node {peerId}");
            }

            return new MutationResult(Commit(DeltaType.HandshakeResponse, nodeId, new HandshakeResponseDelta
            {
                NodeId = nodeId,
                PeerId = peerId,
                Accept = accept,
                Timestamp = Times.Format(Now()),
            }));
        }
    }

    /// <summary>Returns and clears a node's handshake requests and responses; logs nothing when both are empty.</summary>
    /// <exception cref="RegistryException">Unknown node.</exception>
    public HandshakePollResult PollHandshakes(uint nodeId)
    {
        lock (_lock)
        {
            RequireNode(nodeId);
            IReadOnlyList<HandshakeRequestMessage> requests = _state.HandshakeInbox.TryGetValue(nodeId, out var inbox) ? [.. inbox] : [];
            IReadOnlyList<HandshakeResponseMessage> responses = _state.HandshakeResponses.TryGetValue(nodeId, out var answers) ? [.. answers] : [];
            if (requests.Count == 0 && responses.Count == 0)
            {
                return new HandshakePollResult(requests, responses, 0);
            }

            var sequence = Commit(DeltaType.HandshakePoll, nodeId, new HandshakePollDelta { NodeId = nodeId });
            return new HandshakePollResult(requests, responses, sequence);
        }
    }
}
