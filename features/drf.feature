@recommended
Feature: Django REST Framework conventions
  What SimpleJWT inherits from DRF and Django, which a compatible
  implementation copies: 405, 406, the order of errors, headers, indentation,
  OPTIONS, redirects. Every check here is recommended.

  Scenario: A method the token view does not allow is 405 with Allow
    When I send GET to the token endpoint
    Then the status should be 405
    And the header "Allow" should list POST, OPTIONS
    And the body's "detail" should be "Method \"GET\" not allowed."

  Scenario: A method the user view does not allow is 405 when authenticated
    Given I have logged in
    When I send DELETE to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status should be 405
    And the header "Allow" should list GET, HEAD, OPTIONS
    And the body's "detail" should be "Method \"DELETE\" not allowed."

  @verify @blacklist
  Scenario: Each view names its methods in Allow
    When I send PUT to the refresh endpoint
    Then the status should be 405
    And the header "Allow" should list POST, OPTIONS
    When I send PUT to the verify endpoint
    Then the status should be 405
    And the header "Allow" should list POST, OPTIONS
    When I send PUT to the blacklist endpoint
    Then the status should be 405
    And the header "Allow" should list POST, OPTIONS

  Scenario: An Accept header the view cannot satisfy is 406
    When I send POST to the token endpoint with the header "Accept: application/xml" and the JSON body {"{username_field}": "{username}", "password": "{password}"}
    Then the status should be 406
    And the body's "detail" should be "Could not satisfy the request Accept header."

  Scenario: Authentication comes before the method check
    When I send DELETE to the user endpoint
    Then the status should be 401
    And the body's "detail" should be "Authentication credentials were not provided."

  Scenario: Content negotiation comes before authentication
    When I send GET to the user endpoint with the header "Accept: application/xml"
    Then the status should be 406

  Scenario: The method check comes before the body
    When I send PUT to the token endpoint with the body hello as "text/plain"
    Then the status should be 405

  Scenario: JSON answers carry DRF's and Django's headers
    When I send GET to the user endpoint
    Then the header "Vary" should be "Accept"
    And the header "Allow" should list GET, HEAD, OPTIONS
    And the header "X-Frame-Options" should be "DENY"
    And the header "X-Content-Type-Options" should be "nosniff"
    And the header "Referrer-Policy" should be "same-origin"
    When I log in
    Then the header "Vary" should be "Accept"
    And the header "Allow" should list POST, OPTIONS
    And the header "X-Frame-Options" should be "DENY"
    And the header "X-Content-Type-Options" should be "nosniff"
    And the header "Referrer-Policy" should be "same-origin"

  Scenario: indent=4 in Accept pretty-prints the body
    When I send POST to the token endpoint with the header "Accept: application/json; indent=4" and the JSON body {"{username_field}": "{username}", "password": "{password}"}
    Then the status should be 200
    And the body should be indented by 4 spaces
    And the media type should be "application/json"

  Scenario: Bodies are compact JSON
    Given I have logged in
    When I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the body should be compact JSON

  Scenario: OPTIONS describes the token view
    When I send OPTIONS to the token endpoint
    Then the status should be 200
    And the media type should be "application/json"

  Scenario: OPTIONS on the user view needs credentials
    When I send OPTIONS to the user endpoint
    Then the status should be 401
    Given I have logged in
    When I send OPTIONS to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status should be 200

  Scenario: A path without its trailing slash redirects
    When I send GET to the user endpoint without its trailing slash
    Then the status should be 301
    And the header "Location" should point to the user endpoint

  Scenario: An unknown path is 404
    When I send GET to the path "/api/no-such-endpoint/"
    Then the status should be 404
