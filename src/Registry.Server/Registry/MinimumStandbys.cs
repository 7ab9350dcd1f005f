using Registry.Server.Replication;

namespace Registry.Server.Registry;

/// <summary>What a primary with <c>MinStandbysToWrite</c> checks before each mutation: that enough standbys confirmed within <see cref="MaxLag"/>.</summary>
internal sealed record MinimumStandbys(StandbyConfirmations Confirmations, int Required, TimeSpan MaxLag)
{
    /// <summary>How many standbys count now.</summary>
    public int Heard => Confirmations.HeardWithin(MaxLag);

    /// <summary>Whether enough standbys count now; <paramref name="heard"/> says how many do.</summary>
    public bool Met(out int heard)
    {
        heard = Heard;
        return heard >= Required;
    }
}

/// <summary>A mutation refused before it changed anything because fewer standbys than <c>MinStandbysToWrite</c> were heard from recently.</summary>
/// <remarks>The text passes the protocol's error filter ("cannot"); a client may retry once the standbys are back.</remarks>
public sealed class NotEnoughStandbysException(int heard, int required, TimeSpan maxLag) : InvalidOperationException(
    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"write refused: this primary cannot confirm enough standbys ({heard} of {required} heard from within {maxLag.TotalSeconds:0.###} s), so it takes no write a failover could lose; nothing changed"));
