namespace Registry.Core;

/// <summary>Machine-readable reason a registry request was refused; the protocol error text is the exception's message.</summary>
public enum RegistryErrorCode
{
    /// <summary>register without a public key.</summary>
    PublicKeyRequired = 1,

    /// <summary>A public key that is not standard base64 of 32 bytes.</summary>
    InvalidPublicKey,

    /// <summary>The node does not exist.</summary>
    NodeNotFound,

    /// <summary>The node creating a network is not registered.</summary>
    NodeNotRegistered,

    /// <summary>The network does not exist.</summary>
    NetworkNotFound,

    /// <summary>The node table is at its configured cap.</summary>
    RegistryFull,

    /// <summary>No node id is left.</summary>
    NodeIdSpaceExhausted,

    /// <summary>No network id is left.</summary>
    NetworkIdSpaceExhausted,

    /// <summary>The node's key has expired.</summary>
    KeyExpired,

    /// <summary>The hostname breaks the hostname rules.</summary>
    InvalidHostname,

    /// <summary>Another node holds the hostname.</summary>
    HostnameInUse,

    /// <summary>The tag list breaks the tag rules.</summary>
    InvalidTags,

    /// <summary>rotate_key without a new key.</summary>
    NewPublicKeyRequired,

    /// <summary>The key changed between the caller's signature check and the rotation.</summary>
    KeyRotatedConcurrently,

    /// <summary>The new key already belongs to another node.</summary>
    KeyInUse,

    /// <summary>The network name breaks the name rules.</summary>
    InvalidNetworkName,

    /// <summary>A network with the name exists.</summary>
    NetworkNameInUse,

    /// <summary>The join rule is unknown or its token is missing.</summary>
    InvalidJoinRule,

    /// <summary>The operation needs an enterprise network.</summary>
    EnterpriseRequired,

    /// <summary>The rules document is not JSON.</summary>
    InvalidRules,

    /// <summary>The expression policy is not a version-1 document.</summary>
    InvalidExprPolicy,

    /// <summary>join/leave/delete of the backbone network.</summary>
    BackboneProtected,

    /// <summary>Wrong token for a token network.</summary>
    InvalidToken,

    /// <summary>join_network on an invite-only network.</summary>
    InviteOnly,

    /// <summary>The network's member limit is reached.</summary>
    MembershipLimitReached,

    /// <summary>The node is already a member.</summary>
    AlreadyMember,

    /// <summary>The node is not a member.</summary>
    NotMember,

    /// <summary>An enterprise owner must transfer ownership before leaving.</summary>
    OwnerMustTransfer,

    /// <summary>revoke_trust of a pair that does not exist.</summary>
    NoTrustPair,

    /// <summary>The handshake justification is over 1024 bytes.</summary>
    JustificationTooLarge,

    /// <summary>The target's handshake inbox holds 100 requests.</summary>
    HandshakeInboxFull,

    /// <summary>The sender already has a pending request to the target.</summary>
    HandshakeAlreadyPending,

    /// <summary>respond_handshake accept without a pending request.</summary>
    NoPendingHandshake,

    /// <summary>resolve or resolve_hostname refused by the visibility rules.</summary>
    ResolveDenied,

    /// <summary>resolve_hostname without a hostname.</summary>
    HostnameRequired,

    /// <summary>No visible node has the hostname.</summary>
    HostnameNotFound,

    /// <summary>The key expiry is not a time, not in the future, or too far away.</summary>
    InvalidKeyExpiry,

    /// <summary>kick_member of the owner.</summary>
    CannotKickOwner,

    /// <summary>promote/demote of the owner (ownership moves only by transfer).</summary>
    OwnerRoleFixed,

    /// <summary>transfer_ownership without a new owner.</summary>
    NewOwnerRequired,

    /// <summary>An invitation to oneself.</summary>
    CannotInviteSelf,

    /// <summary>Invitations need an invite-only network.</summary>
    NotInviteOnly,

    /// <summary>The invitee's inbox holds 100 invitations.</summary>
    InviteInboxFull,

    /// <summary>No invitation for the node to the network.</summary>
    InviteNotFound,

    /// <summary>The invitation is older than 30 days.</summary>
    InviteExpired,

    /// <summary>A network policy value is out of range.</summary>
    InvalidPolicy,
}
