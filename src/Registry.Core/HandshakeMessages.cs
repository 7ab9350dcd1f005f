namespace Registry.Core;

/// <summary>A handshake request waiting in a node's inbox.</summary>
/// <param name="FromNodeId">The requesting node.</param>
/// <param name="Justification">The sender's text.</param>
/// <param name="Timestamp">When it was queued (whole seconds, UTC).</param>
public sealed record HandshakeRequestMessage(uint FromNodeId, string Justification, DateTimeOffset Timestamp);

/// <summary>An answer to a handshake request, waiting in the requester's response inbox.</summary>
/// <param name="FromNodeId">The node that answered.</param>
/// <param name="Accept">Whether it accepted.</param>
/// <param name="Timestamp">When it answered (whole seconds, UTC).</param>
public sealed record HandshakeResponseMessage(uint FromNodeId, bool Accept, DateTimeOffset Timestamp);

/// <summary>An invitation to a network, waiting in the invitee's inbox.</summary>
/// <param name="NetworkId">The network.</param>
/// <param name="InviterId">The inviting node.</param>
/// <param name="Timestamp">When it was sent (whole seconds, UTC).</param>
public sealed record NetworkInvite(ushort NetworkId, uint InviterId, DateTimeOffset Timestamp);
