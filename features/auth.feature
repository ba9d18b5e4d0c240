Feature: Authorization header rules of the user endpoint
  SimpleJWT reads exactly two space-separated parts, the first of which must
  be `Bearer`; anything else is refused with 401 and a Bearer challenge.

  @core
  Scenario: No Authorization header is refused
    When I send GET to the user endpoint
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the key "detail"
    And the body's "detail" should be "Authentication credentials were not provided."

  @core
  Scenario: Another scheme is treated as no credentials
    When I send GET to the user endpoint with the header "Authorization: Token x"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the key "detail"
    And the body's "detail" should be "Authentication credentials were not provided."

  @core
  Scenario: Bearer alone is a malformed header
    When I send GET to the user endpoint with the header "Authorization: Bearer"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "bad_authorization_header"
    And the body's "detail" should be "Authorization header must contain two space-delimited values"

  @core
  Scenario: Three space-separated parts are a malformed header
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access} extra"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "bad_authorization_header"
    And the body's "detail" should be "Authorization header must contain two space-delimited values"

  @recommended
  Scenario: A lowercase bearer scheme is not recognised
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: bearer {access}"
    Then the status should be 401
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body's "detail" should be "Authentication credentials were not provided."

  @core
  Scenario: A valid access token names its user
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status must be 200
    And the media type must be "application/json"
    And the body must have exactly the keys "id", "username"
    And the body's "id" must match the access token's user_id
    # Recommended only: a Django user model with a UUID key answers a string.
    And the body's "id" should be an integer
    And the body's "username" must name the user who logged in

  @core
  Scenario: HEAD answers like GET, without a body
    Given I have logged in
    When I send HEAD to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status must be 200

  @core
  Scenario: HEAD without credentials is refused
    When I send HEAD to the user endpoint
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"

  @core
  Scenario: A refresh token is not an access token
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {refresh}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the keys "detail", "code", "messages"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Given token not valid for any token type"
    And the body's "messages.0" should have exactly the keys "token_class", "token_type", "message"
    And the body's "messages.0.token_class" should be "AccessToken"
    And the body's "messages.0.token_type" should be "access"
    And the body's "messages.0.message" should be "Token has wrong type"

  @core @expiry
  Scenario: An expired access token is refused
    Given I have logged in
    When I wait until the access token has expired
    And I send GET to the user endpoint with the header "Authorization: Bearer {expired_access}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the keys "detail", "code", "messages"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Given token not valid for any token type"
    And the body's "messages.0.token_class" should be "AccessToken"
    And the body's "messages.0.message" should be "Token is expired" or "Token is invalid or expired"
