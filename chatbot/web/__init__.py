"""Read-only web pages on PORT: the team's leaderboard, a member's profile, the week's
#FollowFriday, reached only through signed links (`/klout web`, or a public team link)."""
