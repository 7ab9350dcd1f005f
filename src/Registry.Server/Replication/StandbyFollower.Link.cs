using Registry.Server.Protocol;

namespace Registry.Server.Replication;

public sealed partial class StandbyFollower
{
    /// <summary>One connection to the primary: chunks applied and not yet known durable, and the reporter a synchronous primary asked for.</summary>
    private sealed class Link(FrameWriter writer)
    {
        public FrameWriter Writer => writer;

        /// <summary>Durability of the chunks applied on this connection and not yet known to be synced, oldest first.</summary>
        public Queue<Task> InFlight { get; } = new();

        public DurablePositionReporter? Reporter { get; set; }

        public Task Reporting { get; set; } = Task.CompletedTask;

        /// <summary>The first position the primary announced on this connection: the standby catches up by holding it.</summary>
        public ulong? CatchUpTarget { get; set; }

        /// <summary>The positions the primary announced on this connection that the standby has not reached yet.</summary>
        public PrimaryAnnouncements Announcements { get; } = new();

        /// <summary>Ends the reporter with the connection.</summary>
        public CancellationToken Stop { get; set; }
    }
}
