using Registry.Server.Dispatch;

namespace Registry.Server.Registry;

/// <summary>A mutation refused because this primary stepped down for a switchover; nothing changed.</summary>
public sealed class WritesClosedException() : InvalidOperationException(StandbyPolicy.RejectionMessage);
