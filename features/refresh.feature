Feature: Refreshing the access token
  A refresh token buys a new access token for the same user; anything else
  sent to the refresh endpoint is refused.

  @core
  Scenario: A valid refresh token gives a new access token
    Given I have logged in
    When I refresh the tokens
    Then the status must be 200
    And the media type must be "application/json"
    And the body must have the keys of a refresh answer
    And the access token must have three base64url segments
    And the access token must have its own token_type
    And the access token must have an integer exp in the future
    And the access token must carry the same user_id as before
    And the access token must have a new jti
    And the access token must have an exp no earlier than before
    And every token's jti must be different

  @core
  Scenario: The refreshed access token works at the user endpoint
    Given I have logged in
    When I refresh the tokens
    And I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status must be 200
    And the body's "id" must match the access token's user_id
    And the body's "username" must name the user who logged in

  @core
  Scenario: An access token is refused by the refresh endpoint
    Given I have logged in
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{access}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token has wrong type"

  @core
  Scenario: A missing refresh field is named
    When I send POST to the refresh endpoint with the JSON body {}
    Then the status must be 400
    And the body must have exactly the key "refresh"
    And the body's "refresh" should be ["This field is required."]

  @core @expiry @refresh-expiry
  Scenario: An expired refresh token is refused
    Given I have logged in
    When I wait until the refresh token has expired
    And I send POST to the refresh endpoint with the JSON body {"refresh": "{expired_refresh}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is expired" or "Token is invalid or expired"
