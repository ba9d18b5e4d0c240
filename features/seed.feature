Feature: The original session, step by step
  The six steps of the curl session the contract was first written from:
  no credentials, log in, use the access token, see it expire, refresh, and
  use the new access token.

  @core @expiry
  Scenario: Log in, use, expire, refresh and use again
    When I send GET to the user endpoint
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body's "detail" should be "Authentication credentials were not provided."

    When I log in
    Then the status must be 200
    And the body must have exactly the keys "refresh", "access"

    When I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status must be 200
    And the body must have exactly the keys "id", "username"
    And the body's "id" must match the access token's user_id
    And the body's "username" must name the user who logged in

    When I wait until the access token has expired
    And I send GET to the user endpoint with the header "Authorization: Bearer {expired_access}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code", "messages"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Given token not valid for any token type"
    And the body's "messages.0.message" should be "Token is expired" or "Token is invalid or expired"

    When I refresh the tokens
    Then the status must be 200
    And the body must have the keys of a refresh answer
    And the access token must carry the same user_id as before
    And the access token must have a new jti

    When I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status must be 200
    And the body's "id" must match the access token's user_id
    And the body's "username" must name the user who logged in
